import Foundation
import SpectralVolume

/// Timings for `gid-filter bench`: the figures at 512x288, K=16, 150 frames.
public enum SpectralBenchmark {
    /// Runs each transform `repeats` times and returns one line per measurement (best of runs).
    public static func run(width: Int = 512, height: Int = 288, frames: Int = 150,
                           frequencies: Int = 16, repeats: Int = 3) -> String {
        let cols = 2 * width * height
        // A deterministic trajectory: two sinusoids with a per-pixel phase.
        var traj = [Float](repeating: 0, count: frames * cols)
        for n in 0..<frames {
            let a = Float(2 * Double.pi * 3 * Double(n) / Double(frames))
            let b = Float(2 * Double.pi * 7 * Double(n) / Double(frames))
            for c in 0..<cols { traj[n * cols + c] = sin(a + Float(c % 97) * 0.01) + 0.3 * cos(b) }
        }
        var lines: [String] = ["spectral volume \(width)x\(height), K=\(frequencies), \(frames) frames"]
        func best(_ body: () throws -> Void) -> Double {
            var t = Double.infinity
            for _ in 0..<max(1, repeats) {
                let start = DispatchTime.now().uptimeNanoseconds
                try? body()
                t = min(t, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return t
        }
        func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

        var volume: SpectralVolume?
        let tSgemm = best { volume = try SpectralVolume(trajectories: traj, frames: frames, width: width, height: height, frequencies: frequencies) }
        let gflop = 2.0 * Double(2 * frequencies) * Double(frames) * Double(cols) / 1e9
        lines.append("trajectories->S sgemm (contiguous): \(fmt(tSgemm)) s (\(fmt(gflop / tSgemm, 1)) GFLOPS)")
        let fields = (0..<frames).map { Array(traj[($0 * cols)..<(($0 + 1) * cols)]) }
        let tAcc = best { _ = try SpectralVolume(fields: fields, width: width, height: height, frequencies: frequencies) }
        lines.append("trajectories->S streaming accumulator: \(fmt(tAcc)) s")
        let tFFTW = best { _ = try SpectralVolume(trajectories: traj, frames: frames, width: width, height: height, frequencies: frequencies, method: .fftw) }
        lines.append("trajectories->S fftw r2c: \(fmt(tFFTW)) s")

        guard let v = volume else { return (lines + ["error: no volume"]).joined(separator: "\n") }
        let times = (0..<frames).map { Double($0) + 0.5 }
        var out = [Float](repeating: 0, count: frames * cols)
        let tEval = best { out.withUnsafeMutableBufferPointer { v.evaluate(atFrames: times, into: $0) } }
        let evalGflop = 2.0 * Double(frames) * Double(2 * frequencies) * Double(cols) / 1e9
        let gbytes = Double((frames + 2 * frequencies) * cols * 4) / 1e9
        lines.append("S->F_t batch, FieldKernel (\(frames) fields): \(fmt(tEval)) s = \(fmt(Double(frames) / tEval, 0)) fields/s (\(fmt(evalGflop / tEval, 1)) GFLOPS, \(fmt(gbytes / tEval, 1)) GB/s)")
        let tAlloc = best { _ = v.fields(atFrames: times) }
        lines.append("S->F_t batch, fresh array: \(fmt(Double(frames) / tAlloc, 0)) fields/s")
        let tOne = best { for t in times.prefix(30) { _ = v.field(atFrame: t) } }
        lines.append("S->F_t single field (sgemv): \(fmt(30 / tOne, 0)) fields/s")
        return lines.joined(separator: "\n")
    }
}
