import Foundation
import Graph
import Testing
@testable import SpectralVolume

@Suite struct NormalizationTests {
    @Test func percentileMatchesNumpyLinear() {
        // np.percentile([7, 1, 3, 10, 4], 95) = 4 + 0.8 * ... : sorted [1,3,4,7,10], h = 3.8 -> 7 + 0.8*3 = 9.4
        #expect(abs(NormalizationStats.percentile([7, 1, 3, 10, 4], 95) - 9.4) < 1e-9)
        // np.percentile(np.arange(1, 21), 95) = 19.05 (h = 18.05)
        #expect(abs(NormalizationStats.percentile((1...20).map(Float.init), 95) - 19.05) < 1e-9)
        #expect(NormalizationStats.percentile([5], 95) == 5)
        #expect(NormalizationStats.percentile([2, 4], 0) == 2)
        #expect(NormalizationStats.percentile([2, 4], 100) == 4)
        #expect(abs(NormalizationStats.percentile([2, 4], 50) - 3) < 1e-12)
        #expect(NormalizationStats.percentile([], 95).isNaN)
    }

    @Test func statsUseComplexModulusPerFrequency() throws {
        // K=2, 1x1 grid: each volume gives 2 moduli per frequency (x and y).
        func vol(_ re: [Float], _ im: [Float]) throws -> SpectralVolume {
            try SpectralVolume(frequencies: 2, width: 1, height: 1, data: re + im, fps: 30, windowSeconds: 5)
        }
        let a = try vol([3, 0, 1, 2], [4, 1, 0, 0])    // k0: |3+4i|=5, |0+1i|=1; k1: 1, 2
        let b = try vol([0, 6, 0, 0], [2, 8, 0, 0])    // k0: 2, 10; k1: 0, 0
        let stats = try NormalizationStats(volumes: [a, b])
        // k0 moduli [5, 1, 2, 10] -> sorted [1, 2, 5, 10], h = 2.85 -> 5 + 0.85*5 = 9.25
        #expect(abs(Double(stats.scales[0]) - 9.25) < 1e-5)
        // k1 moduli [1, 2, 0, 0] -> sorted [0, 0, 1, 2], h = 2.85 -> 1.85
        #expect(abs(Double(stats.scales[1]) - 1.85) < 1e-5)
    }

    @Test func zeroFrequencyGetsUnitScale() throws {
        let v = try SpectralVolume(frequencies: 2, width: 1, height: 1, data: [1, 1, 0, 0, 0, 0, 0, 0], fps: 30, windowSeconds: 5)
        #expect(try NormalizationStats(volumes: [v]).scales[1] == 1)
    }

    @Test func forwardIsEquation4AndRoundTrips() throws {
        var rng = SeededRandom(seed: 11)
        let K = 4, w = 5, h = 3
        let data = (0..<(2 * K * 2 * w * h)).map { _ in Float.random(in: -50...50, using: &rng) }
        let v = try SpectralVolume(frequencies: K, width: w, height: h, data: data, fps: 30, windowSeconds: 5)
        let stats = try NormalizationStats(volumes: [v])
        let n = try v.normalized(with: stats)
        #expect(n.normalization == .adaptive(stats))
        // Spot-check eq. 4 on one real and one imaginary coefficient.
        let c = v.coefficient(k: 2, axis: 1, y: 2, x: 3), cn = n.coefficient(k: 2, axis: 1, y: 2, x: 3)
        func eq4(_ x: Float) -> Float { (x < 0 ? -1 : 1) * (abs(x) / stats.scales[2]).squareRoot() }
        #expect(abs(cn.re - eq4(c.re)) < 1e-6 && abs(cn.im - eq4(c.im)) < 1e-6)
        // Most normalized values land in [-1, 1] (95th percentile of moduli maps to 1).
        #expect(n.data.filter { abs($0) <= 1 }.count > n.data.count * 9 / 10)
        let back = n.denormalized()
        #expect(back.normalization == .none)
        #expect(maxDiff(back.data, v.data) / 50 < 1e-5)
        #expect(throws: GIDError.self) { try n.normalized(with: stats) }
        #expect(throws: GIDError.self) { try v.normalized(with: NormalizationStats(scales: [1, 2])) }
    }

    @Test func rejectsBadScales() {
        #expect(throws: GIDError.self) { try NormalizationStats(scales: [1, 0]) }
        #expect(throws: GIDError.self) { try NormalizationStats(scales: [.nan]) }
        #expect(throws: GIDError.self) { try NormalizationStats(scales: []) }
        #expect(throws: GIDError.self) { try NormalizationStats(volumes: []) }
    }
}
