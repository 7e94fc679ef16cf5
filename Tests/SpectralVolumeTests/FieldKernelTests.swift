import Foundation
import Graph
import Testing
@testable import SpectralVolume

/// The batched field evaluation (`FieldKernel`, two column halves on two threads) against sums in
/// double precision, for batch sizes around its 8-row block and a width whose halves end in a
/// partial 16-column block.
@Suite struct FieldKernelTests {
    @Test(arguments: [1, 2, 8, 11, 17])
    func batchedFieldsMatchDoublePrecisionSums(count: Int) throws {
        // 2HW = 2 * 181 * 97 = 35114 columns: past the two-thread threshold, halves of 17568 and
        // 17546 (the last 16-column block of the second one partial).
        let (w, h, k) = (181, 97, 16)
        var rng = SeededRandom(seed: UInt64(count))
        let cols = 2 * w * h
        let data = (0..<(2 * k * cols)).map { _ in Float.random(in: -3...3, using: &rng) }
        let v = try SpectralVolume(frequencies: k, width: w, height: h, data: data, fps: 30, windowSeconds: 5)
        let times = (0..<count).map { 0.37 + 13.1 * Double($0) }
        let basis = Basis.synthesis(frequencies: k, period: v.windowFrames, times: times)
        let got = v.fields(atFrames: times)
        var worst = 0.0
        for r in 0..<count {
            for c in Array(stride(from: 0, to: cols, by: 7)) + [cols - 1] {
                var want = 0.0
                for j in 0..<(2 * k) { want += Double(basis[r * 2 * k + j]) * Double(data[j * cols + c]) }
                worst = max(worst, abs(Double(got[r * cols + c]) - want))
            }
        }
        // Sums of 32 products of size <= 2 * 3: float rounding stays far below 1e-4.
        #expect(worst < 1e-4, "largest difference \(worst)")
        // Each field is the same whatever batch it is computed in.
        let single = v.field(atFrame: times[count - 1])
        #expect(maxDiff(got[((count - 1) * cols)..<(count * cols)], single) < 1e-4)
    }
}
