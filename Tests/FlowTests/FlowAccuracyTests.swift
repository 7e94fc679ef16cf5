import Flow
import Foundation
import Graph
import Testing

@Suite("Optical flow accuracy")
struct FlowAccuracyTests {
    @Test("a real picture warped by a known smooth field: EPE < 0.2 px", arguments: [FlowPreset.medium, .best])
    func syntheticWarp(preset: FlowPreset) throws {
        let i0 = try Fixtures.smallStill()
        let g = Fixtures.smoothField(width: i0.width, height: i0.height, amplitude: 3)
        let (i1, truth) = Fixtures.warped(i0, by: g)
        let flow = try OpticalFlow(preset: preset).compute(from: i0, to: i1)
        let mask = Fixtures.interior(width: i0.width, height: i0.height, margin: 8)
        let epe = flow.endPointError(to: truth, mask: mask)
        #expect(epe < 0.2, "EPE \(epe) px (preset \(preset))")
    }

    @Test("an estimator's result does not depend on the pairs it computed before")
    func noStateBetweenCalls() throws {
        let i0 = try Fixtures.smallStill()
        let (i1, _) = Fixtures.warped(i0, by: Fixtures.smoothField(width: i0.width, height: i0.height, amplitude: 2))
        let fresh = try OpticalFlow(preset: .medium).compute(from: i0, to: i1)
        let used = OpticalFlow(preset: .medium)
        _ = try used.compute(from: i1, to: i0)
        let again = try used.compute(from: i0, to: i1)
        let diff = zip(fresh.data, again.data).map { abs($0 - $1) }.max() ?? 0
        #expect(diff == 0, "largest difference \(diff) px")
    }

    @Test("identical frames give (almost) zero flow")
    func identical() throws {
        let i0 = try Fixtures.smallStill()
        let flow = try OpticalFlow(preset: .medium).compute(from: i0, to: i0)
        #expect(flow.maxMagnitude < 0.05, "largest vector \(flow.maxMagnitude) px")
    }

    @Test("swapping the frames reverses the flow; consistency is high on a smooth warp")
    func antisymmetry() throws {
        let i0 = try Fixtures.smallStill()
        let g = Fixtures.smoothField(width: i0.width, height: i0.height, amplitude: 2)
        let (i1, _) = Fixtures.warped(i0, by: g)
        let estimator = OpticalFlow(preset: .medium)
        let forward = try estimator.compute(from: i0, to: i1)
        let backward = try estimator.compute(from: i1, to: i0)
        // f(x) + b(x + f(x)) ~ 0 away from the border.
        let w = i0.width, h = i0.height, n = w * h
        let bu = GrayImage(width: w, height: h, data: Array(backward.data[0..<n]))
        let bv = GrayImage(width: w, height: h, data: Array(backward.data[n...]))
        var sum = 0.0, count = 0
        for y in 10..<(h - 10) {
            for x in 10..<(w - 10) {
                let i = y * w + x
                let tx = Float(x) + forward.data[i], ty = Float(y) + forward.data[n + i]
                let eu = forward.data[i] + Fixtures.sample(bu, tx, ty), ev = forward.data[n + i] + Fixtures.sample(bv, tx, ty)
                sum += Double((eu * eu + ev * ev).squareRoot())
                count += 1
            }
        }
        // Two estimates' errors add up: measured 0.20 px.
        #expect(sum / Double(count) < 0.3, "mean round-trip error \(sum / Double(count)) px")
        let confidence = try FlowConsistency.confidence(forward: forward, backward: backward)
        let mean = confidence.reduce(0, +) / Float(confidence.count)
        #expect(mean > 0.85, "mean confidence \(mean)")
    }

    @Test("Middlebury Grove3 against its ground truth (bound from the measured 0.838; OpenCV DIS-medium 0.853)",
          .enabled(if: Fixtures.hasMiddlebury, "needs ../shared/data/flow/middlebury (not in a fresh clone)"))
    func grove3() throws {
        let m = Fixtures.middlebury
        let a = try Fixtures.gray(m + "/Grove3_frame10.png"), b = try Fixtures.gray(m + "/Grove3_frame11.png")
        let truth = try FloFile.read(m + "/Grove3_flow10.flo")
        let flow = try OpticalFlow(preset: .medium).compute(from: a, to: b)
        let epe = flow.endPointError(to: truth)
        #expect(epe < 0.85, "Grove3 EPE \(epe)")
    }

    @Test("frames of different sizes are a usage error")
    func sizeMismatch() throws {
        let a = GrayImage(width: 64, height: 48, data: [Float](repeating: 0, count: 64 * 48))
        let b = GrayImage(width: 48, height: 64, data: [Float](repeating: 0, count: 64 * 48))
        let error = #expect(throws: GIDError.self) { try OpticalFlow(preset: .fast).compute(from: a, to: b) }
        #expect(error?.kind == .usage)
        #expect(error?.message.contains("64x48") == true)
    }
}
