import Graph
import Render
import SpectralVolume
import Testing

@Suite("slowmo, loop, timeline")
struct TimelineTests {
    @Test func slowmoFourMakesFrame4nTheOriginalFrameN() throws {
        let scene = try waveScene(width: 64, height: 40)
        let original = try pictures(run("render", on: scene).items)
        let slow = try pictures(run("slowmo=4,render", on: scene).items)
        #expect(original.count == 150)
        #expect(slow.count == 600)
        for n in stride(from: 0, to: 150, by: 7) {
            #expect(maxAbsDifference(slow[4 * n].data, original[n].data) <= 1e-6, "frame \(n)")
        }
        // In between it really is new motion, not a repeated frame.
        #expect(ImageMetrics.meanAbsoluteDifference(slow[1], slow[0]) > 0)
        #expect(ImageMetrics.meanAbsoluteDifference(slow[1], original[1]) > 0)
    }

    @Test func slowmoSamplesTheTextureAtTOverN() throws {
        let scene = try waveScene(width: 32, height: 20)
        let slowed = try scenes(run("slowmo=2.5", on: scene).items)[0]
        #expect(slowed.timeline.slowdown == 2.5)
        let plan = slowed.defaultPlan
        #expect(plan.frameCount == 375)
        // Output frame i samples texture frame i / 2.5.
        for i in [0, 1, 5, 374] { #expect(abs(plan.textureFrame(i) - Double(i) / 2.5) < 1e-9) }
        let twice = try scenes(run("slowmo=2,slowmo=3", on: scene).items)[0]
        #expect(twice.timeline.slowdown == 6)
    }

    /// Mean absolute difference of each frame and the next, the last one compared with the first.
    func neighbourDifferences(_ frames: [RGBImage]) -> (inner: [Double], seam: Double) {
        let inner = (1..<frames.count).map { ImageMetrics.meanAbsoluteDifference(frames[$0], frames[$0 - 1]) }
        return (inner, ImageMetrics.meanAbsoluteDifference(frames[0], frames[frames.count - 1]))
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    @Test(arguments: ["loop=seconds=10", "slowmo=1.37,loop=seconds=14", "slowmo=0.7,loop=repeat=3",
                      "loop=seconds=4", "loop=seconds=7.3", "slowmo=2,loop=seconds=3.1", "magnify=gain=3,loop=seconds=4",
                      "loop=seconds=4,slowmo=2"])
    func loopHasNoSeam(graph: String) throws {
        let scene = try waveScene(width: 64, height: 40)
        let (items, info) = try run(graph + ",render", on: scene)
        let frames = try pictures(items)
        #expect(info.frameCount == frames.count)
        let d = neighbourDifferences(frames)
        let typical = median(d.inner)
        #expect(typical > 0)
        #expect(d.seam <= 1.2 * typical, "seam \(d.seam) vs median neighbour difference \(typical)")
    }

    @Test func cutAtAnyLengthShowsTheSeamTheMetricCatches() throws {
        // The same motion cut at 3.3 s (not a whole period) jumps from last frame to first.
        let scene = try waveScene(width: 64, height: 40)
        let frames = try pictures(run("render=duration=3.3", on: scene).items)
        #expect(frames.count == 99)
        let d = neighbourDifferences(frames)
        #expect(d.seam > 3 * median(d.inner))
    }

    @Test func loopSecondsGivesExactlyThatManyFrames() throws {
        let scene = try waveScene(width: 16, height: 10)  // 5 s period at 30 fps
        let cases: [(String, Int)] = [
            ("loop=seconds=4", 120),                // shorter than the period
            ("loop=seconds=7.3", 219),              // not a multiple of it
            ("loop=seconds=10", 300),
            ("loop=seconds=0.5", 15),
            ("slowmo=2,loop=seconds=3.1", 93),
            ("loop=seconds=4,slowmo=2", 240),       // slowing the loop lengthens it
            ("loop=seconds=4,loop=repeat=3", 360),  // repeating an exact loop
        ]
        for (graph, frames) in cases {
            let (items, info) = try run(graph, on: scene)
            let out = try scenes(items)[0]
            #expect(out.defaultPlan.frameCount == frames, "\(graph)")
            #expect(info.frameCount == frames, "\(graph): announced \(info.frameCount ?? -1)")
            #expect(abs((info.duration ?? 0) - Double(frames) / 30) < 1e-9, "\(graph)")
        }
        #expect(throws: GIDError.self) { try run("loop", on: scene) }
    }

    @Test func exactLoopSnapsEachFrequencyToWholeCycles() throws {
        let scene = try waveScene(width: 16, height: 10)
        let plan = try scenes(run("loop=seconds=7.3", on: scene).items)[0].defaultPlan
        // 7.3 s of a 5 s period: term k makes 1.46 k cycles, rounded (at least 1).
        let cycles = try #require(plan.cycles)
        #expect(cycles.count == scene.volume.frequencies)
        for k in 1..<cycles.count {
            let exact = 7.3 / 5 * Double(k)
            #expect(cycles[k] == max(1, Int(exact.rounded())), "k = \(k)")
            #expect(abs(plan.speedChanges[k - 1] - abs(Double(cycles[k]) / exact - 1)) < 1e-12)
        }
        #expect(abs(plan.speedChange - 1 / 1.46 * 0.46) < 1e-9)  // k = 1: 1.46 -> 1
        // Frame frameCount would be frame 0 again: the fields repeat exactly.
        let volume = scene.volume
        let ends = RenderPlanProbe.fields(volume, plan, frames: [0, plan.frameCount])
        let n = volume.fieldSize
        #expect(maxAbsDifference(Array(ends[0..<n]), Array(ends[n...])) < 1e-4)
    }

    @Test func repeatKeepsWholePeriodsAndEveryFrequency() throws {
        let scene = try waveScene(width: 16, height: 10)
        for (graph, periods, frames) in [("loop=repeat=2", 2, 300), ("slowmo=1.5,loop=repeat=3", 3, 675),
                                         ("loop=repeat=2,slowmo=2", 2, 600)] {
            let (items, info) = try run(graph, on: scene)
            let out = try scenes(items)[0]
            #expect(out.timeline.periods == periods && out.timeline.seconds == nil, "\(graph)")
            #expect(out.defaultPlan.cycles == nil, "\(graph)")
            #expect(out.defaultPlan.frameCount == frames && info.frameCount == frames, "\(graph)")
        }
        // repeat wins over seconds.
        let both = try scenes(run("loop=seconds=40:repeat=3", on: scene).items)[0]
        #expect(both.timeline.periods == 3 && both.defaultPlan.frameCount == 450)
    }

    @Test func renderFrameCountAndTimingFollowTheTimeline() throws {
        let scene = try waveScene(width: 16, height: 10)
        let (items, info) = try run("slowmo=2,loop=repeat=2,render=fps=24", on: scene)
        let frames = items.compactMap { item -> Frame? in if case .frame(let f) = item { return f } else { return nil } }
        #expect(frames.count == 480)        // 2 periods * 10 s * 24 fps
        #expect(info.frameCount == 480 && info.frameRate == Rational(24, 1) && info.duration == 20)
        #expect(frames.enumerated().allSatisfy { $0.element.pts == Int64($0.offset) && $0.element.timeBase == Rational(1, 24) })
    }
}

/// Fields of a plan's output frames, including ones past its end (to see the loop close).
enum RenderPlanProbe {
    static func fields(_ volume: SpectralVolume, _ plan: RenderPlan, frames: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: frames.count * volume.fieldSize)
        out.withUnsafeMutableBufferPointer { buffer in
            for (j, f) in frames.enumerated() {
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[(j * volume.fieldSize)..<((j + 1) * volume.fieldSize)])
                volume.evaluate(plan, frames: f..<(f + 1), into: slice)
            }
        }
        return out
    }
}
