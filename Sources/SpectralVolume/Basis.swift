import Foundation

/// Cosine/sine tables for the K-term DFT, built in Double and rounded once to Float.
enum Basis {
    /// (2K, N) row-major projection matrix: row k = cos(2 pi k n / N) / N, row K+k = -sin(...) / N,
    /// so that (2K x N) * (N x 2HW) gives [Re S; Im S] under the module's 1/N convention.
    static func projection(frequencies K: Int, frames N: Int) -> [Float] {
        var m = [Float](repeating: 0, count: 2 * K * N)
        let inv = 1.0 / Double(N)
        for k in 0..<K {
            for n in 0..<N {
                // Reduce k*n mod N in integers so the angle stays exact for long windows.
                let theta = 2 * Double.pi * Double((k * n) % N) / Double(N)
                m[k * N + n] = Float(cos(theta) * inv)
                m[(K + k) * N + n] = Float(-sin(theta) * inv)
            }
        }
        return m
    }

    /// (times, 2K) row-major synthesis matrix for real times in frames over a period of N frames:
    /// row = [w_k cos(theta_k)] ++ [-w_k sin(theta_k)], theta_k = 2 pi k t / N, w_0 = 1, w_k = 2.
    static func synthesis(frequencies K: Int, period N: Double, times: [Double]) -> [Float] {
        var m = [Float](repeating: 0, count: times.count * 2 * K)
        for (row, t) in times.enumerated() {
            // Phase in cycles, reduced to [0, 1) before scaling by k so large t keeps precision.
            var cycles = (t / N).truncatingRemainder(dividingBy: 1)
            if cycles < 0 { cycles += 1 }
            for k in 0..<K {
                let w: Double = k == 0 ? 1 : 2
                let phase = (Double(k) * cycles).truncatingRemainder(dividingBy: 1)
                let theta = 2 * Double.pi * phase
                m[row * 2 * K + k] = Float(w * cos(theta))
                m[row * 2 * K + K + k] = Float(-w * sin(theta))
            }
        }
        return m
    }

    /// (indices, 2K) synthesis matrix of an exact-length loop: term k makes cycles[k] whole cycles
    /// over `frames` frames, so the rows are those of `synthesis` with theta_k = 2 pi cycles[k] i /
    /// frames, reduced in integers (frame `frames` is exactly frame 0).
    static func loop(cycles: [Int], frames: Int, indices: Range<Int>, frequencies K: Int) -> [Float] {
        precondition(cycles.count == K && frames > 0, "Basis.loop: \(cycles.count) cycle counts for K = \(K), \(frames) frames")
        var m = [Float](repeating: 0, count: indices.count * 2 * K)
        for (row, i) in indices.enumerated() {
            for k in 0..<K {
                let w: Double = k == 0 ? 1 : 2
                let turns = (cycles[k].multipliedFullWidth(by: i % frames))
                let phase = Double(frames.dividingFullWidth(turns).remainder) / Double(frames)
                let theta = 2 * Double.pi * phase
                m[row * 2 * K + k] = Float(w * cos(theta))
                m[row * 2 * K + K + k] = Float(-w * sin(theta))
            }
        }
        return m
    }
}
