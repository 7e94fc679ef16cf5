import Graph
import Render
import SpectralVolume
import Testing

@Suite("render")
struct RenderFilterTests {
    @Test(arguments: [false, true])
    func zeroMotionGivesI0Exactly(alpha: Bool) throws {
        var image = try samplePicture(width: 50, height: 31)
        if alpha { image.alpha = (0..<image.planeSize).map { Float($0 % 7) / 6 } }
        let scene = try Scene(image: image, volume: SpectralVolume(width: 50, height: 31))
        let frames = try pictures(run("render=duration=1", on: scene).items)
        #expect(frames.count == 30)
        for f in frames {
            #expect(f.data == image.data)
            #expect(f.alpha == image.alpha)
        }
    }

    @Test func keptFramesAreNotOverwrittenByLaterOnes() throws {
        // The renderer reuses its output picture; frames a consumer keeps must stay as rendered.
        let scene = try waveScene(width: 24, height: 16)
        let frames = try pictures(run("render=duration=0.2", on: scene).items)
        #expect(frames.count == 6)
        #expect(frames[1].data != frames[3].data)
        let again = try pictures(run("render=duration=0.2", on: scene).items)
        for (a, b) in zip(frames, again) { #expect(a.data == b.data) }
    }

    @Test func defaultIsOnePeriodAtTheScenesRate() throws {
        let scene = try waveScene(width: 16, height: 10)
        let (items, info) = try run("render", on: scene)
        #expect(items.count == 150 && info.frameCount == 150 && info.frameRate == Rational(30, 1))
        #expect(info.kind == .frames && !info.isStill)
    }

    @Test func sizeResamplesMotionNotPixels() throws {
        let scene = try waveScene(width: 48, height: 30)
        let (items, info) = try run("render=size=96x60:duration=0.2", on: scene)
        let frames = try pictures(items)
        #expect(info.width == 96 && info.height == 60)
        #expect(frames.allSatisfy { $0.width == 96 && $0.height == 60 })
        // Same motion as rendering the resampled scene directly: displacements were scaled by 2.
        let direct = try pictures(run("render=duration=0.2", on: scene.resized(width: 96, height: 60)).items)
        for (a, b) in zip(frames, direct) { #expect(a.data == b.data) }
        let still = try Scene(image: scene.image, volume: SpectralVolume(width: 48, height: 30))
        let big = try pictures(run("render=size=96x60:duration=0.1", on: still).items)[0]
        #expect(big.data == scene.image.resized(width: 96, height: 60).data)
    }

    @Test func weightsAreTheMeanMotionLength() throws {
        // F_x = 2 * 1.5 cos(2 pi t / N): mean |F| over a period = 3 * 2 / pi.
        var v = try SpectralVolume(frequencies: 2, width: 4, height: 3)
        for y in 0..<3 { for x in 0..<4 { v.setCoefficient(k: 1, axis: 0, y: y, x: x, (1.5, 0)) } }
        let w = v.meanDisplacementMagnitude()
        #expect(w.allSatisfy { abs($0 - 6 / Float.pi) < 2e-3 })
    }

    @Test func badSizeIsAUsageError() throws {
        let scene = try waveScene(width: 16, height: 10)
        do {
            _ = try run("render=size=big", on: scene)
            Issue.record("size=big accepted")
        } catch let e as GIDError {
            #expect(e.kind == .usage && e.message.contains("size=big"))
        }
    }

    @Test func unfoldLeavesSmoothMotionAloneAndSmoothsFoldingMotion() throws {
        let scene = try waveScene(width: 96, height: 60, amplitude: 0.4)
        let bound = FoldLimiter.gradientBound(scene.volume.denormalized()).max()!
        #expect(bound < 4, "the wave scene should stay below the onset: \(bound)")
        let plain = try pictures(run("render=duration=0.3", on: scene).items)
        let unfolded = try pictures(run("render=duration=0.3:unfold=4", on: scene).items)
        #expect(plain.count == 9 && zip(plain, unfolded).allSatisfy { $0.data == $1.data })
        // Magnified 12x the waves fold (bound far above 4): the option now changes the frames.
        let folding = try pictures(run("magnify=gain=12,render=duration=0.3", on: scene).items)
        let limited = try pictures(run("magnify=gain=12,render=duration=0.3:unfold=4", on: scene).items)
        #expect(zip(folding, limited).contains { ImageMetrics.meanAbsoluteDifference($0, $1) > 1e-3 })
    }

    @Test func theTestForNoisyFlowHedgesMeasuredMotionOnlyAndScalesWithMagnify() throws {
        // Strong smooth waves: their curvature trips the renderer's test for noisy measured flow
        // (a pixel departing from its neighbours' mean), which blends toward the softer splat.
        var measured = try waveScene(width: 96, height: 60, amplitude: 3)
        measured.volume.source = "clip.mp4"
        var predicted = measured
        predicted.volume.source = Scene.predictedSourcePrefix + "test"
        var quarter = try waveScene(width: 96, height: 60, amplitude: 0.75)
        quarter.volume.source = "clip.mp4"
        let base = ImageMetrics.detail(measured.image, border: 4)
        func leastDetail(_ graph: String, _ scene: Scene) throws -> Double {
            try pictures(run(graph, on: scene).items).map { ImageMetrics.detail($0, border: 4) / base }.min()!
        }
        let hedged = try leastDetail("render=duration=0.2", measured)
        let sharp = try leastDetail("render=duration=0.2", predicted)
        // The same displacements made by magnify=4 from a quarter of them: the test scales by 4.
        let magnified = try leastDetail("magnify=gain=4,render=duration=0.2", quarter)
        // Measured: 0.98 hedged, 1.09 predicted (no test), 1.02 magnified (the scaled test still
        // blends where the k = 1 wave curves most). Above 1: the waves compress the texture here.
        #expect(sharp > hedged + 0.05, "predicted \(sharp), measured \(hedged)")
        #expect(magnified > hedged + 0.02, "magnified \(magnified), measured as large \(hedged)")
        let out = try #require(try run("magnify=gain=4,magnify=band=0.2-1", on: quarter).items.first).scene(for: "test")
        #expect(out.editGain == 4)
    }
}
