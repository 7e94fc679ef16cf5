import Graph
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
        #expect(meanAbsDifference(slow[1], slow[0]) > 0)
        #expect(meanAbsDifference(slow[1], original[1]) > 0)
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
        let inner = (1..<frames.count).map { meanAbsDifference(frames[$0], frames[$0 - 1]) }
        return (inner, meanAbsDifference(frames[0], frames[frames.count - 1]))
    }

    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    @Test(arguments: ["loop=seconds=10", "slowmo=1.37,loop=seconds=14", "slowmo=0.7,loop=repeat=3"])
    func loopHasNoSeam(graph: String) throws {
        let scene = try waveScene(width: 64, height: 40)
        let (items, info) = try run(graph + ",render", on: scene)
        let frames = try pictures(items)
        #expect(info.frameCount == frames.count)
        let d = neighbourDifferences(frames)
        let typical = median(d.inner)
        #expect(typical > 0)
        #expect(d.seam <= 1.5 * typical, "seam \(d.seam) vs median neighbour difference \(typical)")
    }

    @Test func cutAtAnyLengthShowsTheSeamTheMetricCatches() throws {
        // The same motion cut at 3.3 s (not a whole period) jumps from last frame to first.
        let scene = try waveScene(width: 64, height: 40)
        let frames = try pictures(run("render=duration=3.3", on: scene).items)
        #expect(frames.count == 99)
        let d = neighbourDifferences(frames)
        #expect(d.seam > 3 * median(d.inner))
    }

    @Test func loopLengthIsAWholeNumberOfPeriods() throws {
        let scene = try waveScene(width: 16, height: 10)
        let cases: [(String, Int, Int)] = [
            ("loop=seconds=10", 2, 300),          // 10 s / 5 s
            ("loop=seconds=12", 2, 300),          // nearest: 2.4 -> 2
            ("loop=seconds=13", 3, 450),          // 2.6 -> 3
            ("loop=seconds=1", 1, 150),           // at least one period
            ("loop=seconds=40:repeat=3", 3, 450), // repeat wins
            ("slowmo=2,loop=seconds=10", 1, 300), // period 10 s
            ("loop=repeat=2,slowmo=2", 2, 600),   // slowing the looped clip lengthens it
            ("slowmo=1.5,loop=seconds=20", 3, 675),
        ]
        for (graph, periods, frames) in cases {
            let (items, info) = try run(graph, on: scene)
            let out = try scenes(items)[0]
            #expect(out.timeline.periods == periods, "\(graph)")
            #expect(out.defaultPlan.frameCount == frames, "\(graph)")
            #expect(info.frameCount == frames, "\(graph): announced \(info.frameCount ?? -1)")
            #expect(abs((info.duration ?? 0) - Double(frames) / 30) < 1e-9, "\(graph)")
        }
        #expect(throws: GIDError.self) { try run("loop", on: scene) }
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
