import Graph
import SpectralVolume
import Testing

@Suite("magnify")
struct MagnifyTests {
    /// Fields of a scene at times spread over one period, (times, 2, H, W).
    func fields(_ s: Scene) -> [Float] {
        s.volume.fields(atFrames: stride(from: 0.0, to: 150, by: 12.5).map { $0 })
    }

    @Test(arguments: [2.0, 0.5, 0.0])
    func gainScalesDisplacement(gain: Double) throws {
        let scene = try waveScene()
        let out = try scenes(run("magnify=\(gain)", on: scene).items)
        try #require(out.count == 1)
        let before = fields(scene), after = fields(out[0])
        let peak = before.map(abs).max() ?? 0
        #expect(peak > 1)
        #expect(maxAbsDifference(after, before.map { $0 * Float(gain) }) <= 1e-5 * peak)
        // The measured amplitude (RMS over a period) scales the same way.
        let a0 = scene.volume.oscillationAmplitude(), a1 = out[0].volume.oscillationAmplitude()
        #expect(maxAbsDifference(a1, a0.map { $0 * Float(gain) }) <= 1e-5 * (a0.max() ?? 0))
    }

    @Test func magnifiedRenderMovesTwiceAsFar() throws {
        // A uniform 1.5 px shift (the mean term) renders as a 3 px shift after magnify=2.
        var scene = try waveScene()
        scene.volume = try SpectralVolume(frequencies: 4, width: scene.width, height: scene.height)
        for y in 0..<scene.height { for x in 0..<scene.width { scene.volume.setCoefficient(k: 0, axis: 0, y: y, x: x, (1.5, 0)) } }
        let frame = try pictures(run("magnify=2,render=duration=0.1", on: scene).items)[0]
        let w = scene.width, n = scene.image.planeSize
        for c in 0..<3 {
            for y in 0..<scene.height {
                for x in 3..<w {
                    // Splatting normalizes by the accumulated weight: exact up to float rounding.
                    #expect(abs(frame.data[c * n + y * w + x] - scene.image.data[c * n + y * w + x - 3]) < 1e-6)
                }
            }
        }
    }

    @Test func bandAloneKeepsOnlyItsTerms() throws {
        let scene = try waveScene()
        let out = try scenes(run("magnify=band=0.2-1.0", on: scene).items)[0].volume
        let v = scene.volume
        for k in 0..<v.frequencies {
            let inside = (1...5).contains(k)    // f_k = k / 5 s
            for axis in 0..<2 {
                for (y, x) in [(20, 10), (22, 50), (24, 90)] {
                    let a = v.coefficient(k: k, axis: axis, y: y, x: x), b = out.coefficient(k: k, axis: axis, y: y, x: x)
                    #expect(b.re == (inside ? a.re : 0) && b.im == (inside ? a.im : 0), "k=\(k)")
                }
            }
        }
        // What remains is exactly the band-limited motion: the sum of the kept terms.
        let amplitude = out.oscillationAmplitude()
        var kept = [Float](repeating: 0, count: v.planeSize)
        for k in 1...5 {
            for axis in 0..<2 {
                for p in 0..<v.planeSize {
                    let c = v.coefficient(k: k, axis: axis, y: p / v.width, x: p % v.width)
                    kept[p] += 2 * (c.re * c.re + c.im * c.im)
                }
            }
        }
        #expect(maxAbsDifference(amplitude, kept.map { $0.squareRoot() }) < 1e-5)
    }

    @Test func gainInBandLeavesTheRest() throws {
        let scene = try waveScene()
        let out = try scenes(run("magnify=gain=3:band=0.5-1.1", on: scene).items)[0].volume
        for k in 0..<scene.volume.frequencies {
            let factor: Float = (3...5).contains(k) ? 3 : 1    // 0.6, 0.8, 1.0 Hz
            let a = scene.volume.coefficient(k: k, axis: 0, y: 22, x: 40), b = out.coefficient(k: k, axis: 0, y: 22, x: 40)
            #expect(b.re == a.re * factor && b.im == a.im * factor, "k=\(k)")
        }
    }

    @Test func normalizedVolumesAreScaledInPixels() throws {
        let scene = try waveScene(width: 48, height: 30)
        var normalized = scene
        normalized.volume = try scene.volume.normalized(with: NormalizationStats(volumes: [scene.volume]))
        let out = try scenes(run("magnify=2", on: normalized).items)[0]
        #expect(out.volume.normalization == .none)
        #expect(maxAbsDifference(fields(out), fields(scene).map { $0 * 2 }) < 1e-4)
    }

    @Test func optionErrorsNameFilterAndOption() throws {
        let scene = try waveScene(width: 16, height: 10)
        #expect(throws: GIDError.self) { try run("magnify=gain=200", on: scene) }
        do {
            _ = try run("magnify=band=3-1", on: scene)
            Issue.record("band=3-1 was accepted")
        } catch let e as GIDError {
            #expect(e.kind == .usage && e.message.hasPrefix("Parsed_magnify_0: band=3-1"))
        }
    }
}
