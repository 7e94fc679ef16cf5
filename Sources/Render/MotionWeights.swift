import SpectralVolume

/// The paper's splatting weights W(p) = mean_t ||F_t(p)|| (section 5): per-pixel average motion
/// magnitude in pixels, used as a proxy for depth (large motion = foreground).
public enum MotionWeights {
    /// W over one period of `volume`, from `samples` evenly spaced times: (H, W) pixels.
    ///
    /// ||F_t|| is not band-limited, so this is a Riemann sum; 32 samples of a K = 16 volume are
    /// within a few percent of the 150-frame mean, and W only ranks pixels against each other.
    public static func compute(volume: SpectralVolume, samples: Int = 32) -> [Float] {
        precondition(samples > 0, "MotionWeights: samples must be positive")
        return volume.meanDisplacementMagnitude(samples: samples)
    }

    /// W from `count` fields stored as (count, 2, H, W): (H, W) pixels.
    public static func compute(fields: UnsafeBufferPointer<Float>, count: Int, width: Int, height: Int) -> [Float] {
        let n = width * height
        precondition(count > 0 && fields.count >= count * 2 * n,
                     "MotionWeights: \(fields.count) floats for \(count) fields of 2*\(height)*\(width)")
        var sum = [Float](repeating: 0, count: n)
        accumulateMagnitudes(fields, count: count, plane: n, into: &sum)
        let scale = 1 / Float(count)
        return sum.map { $0 * scale }
    }

    /// W from a list of (2, H, W) fields.
    public static func compute(fields: [[Float]], width: Int, height: Int) -> [Float] {
        let flat = Array(fields.joined())
        return flat.withUnsafeBufferPointer { compute(fields: $0, count: fields.count, width: width, height: height) }
    }

    /// Adds ||F|| of each of `count` (2, plane) fields to `sum`; non-finite vectors add nothing.
    private static func accumulateMagnitudes(_ fields: UnsafeBufferPointer<Float>, count: Int, plane n: Int,
                                             into sum: inout [Float]) {
        for f in 0..<count {
            let base = f * 2 * n
            for i in 0..<n {
                let m = (fields[base + i] * fields[base + i] + fields[base + n + i] * fields[base + n + i]).squareRoot()
                if m.isFinite { sum[i] += m }
            }
        }
    }
}
