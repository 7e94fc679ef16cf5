import Graph
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

extension MotionWeights {
    /// W scaled by how much picture structure each pixel has: W(p) * s / (s + s0), s the local
    /// mean of the squared luma gradient (5x5 box), s0 = `threshold`^2.
    ///
    /// Why: measured flow in flat regions (a dark backdrop, sky, a blank wall) is noise, often
    /// several pixels of it, which makes those regions look like the foreground. Flat regions
    /// are where the weights matter least for colour but most for who wins a collision, so
    /// they are ranked as background instead.
    public static func textureGated(_ weights: [Float], image: RGBImage, threshold: Float = 0.02) -> [Float] {
        let c = textureConfidence(image, threshold: threshold)
        precondition(weights.count == c.count, "MotionWeights: \(weights.count) weights for \(image.width)x\(image.height)")
        return zip(weights, c).map { $0 * $1 }
    }

    /// Texture-gated W whose flat pixels take the W of the textured pixels around them, then
    /// smoothed: W' = c W + (1 - c) blur(c W) / (blur(c) + 0.05), blurred by a box of `smoothing`
    /// (both blurs are a box applied twice; c is the texture confidence of `textureGated`).
    ///
    /// Why: the plain gate ranks the flat inside of a moving object (a flame's white core) as
    /// background, so its own textured rim wins collisions against it and streaks across it; and
    /// pixel-to-pixel jitter of W inside one surface only biases which neighbour wins, while
    /// the ranking that matters is between surfaces. Measured: `Benchmarks/render/README.md`.
    public static func textureFilled(_ weights: [Float], image: RGBImage, threshold: Float = 0.02,
                                     fillRadius: Int = 12, smoothing: Int = 6) -> [Float] {
        let w = image.width, h = image.height
        let c = textureConfidence(image, threshold: threshold)
        precondition(weights.count == c.count, "MotionWeights: \(weights.count) weights for \(w)x\(h)")
        var cMean = c
        BoxFilter.twiceMean(&cMean, width: w, height: h, radius: fillRadius)
        var out = weights
        BoxFilter.fillFromNeighbours(&out, confidence: c, trust: c, trustMean: cMean, epsilon: 0.05,
                                     width: w, height: h, radius: fillRadius)
        if smoothing > 0 { BoxFilter.twiceMean(&out, width: w, height: h, radius: smoothing) }
        return out.map { max(0, $0) }
    }

    /// Per-pixel texture confidence s / (s + threshold^2), s the 5x5 mean squared luma gradient.
    static func textureConfidence(_ image: RGBImage, threshold: Float) -> [Float] {
        let w = image.width, h = image.height, n = w * h
        var luma = [Float](repeating: 0, count: n)
        for i in 0..<n { luma[i] = 0.299 * image.data[i] + 0.587 * image.data[n + i] + 0.114 * image.data[2 * n + i] }
        var energy = [Float](repeating: 0, count: n)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let gx = luma[y * w + min(x + 1, w - 1)] - luma[y * w + max(x - 1, 0)]
                let gy = luma[min(y + 1, h - 1) * w + x] - luma[max(y - 1, 0) * w + x]
                energy[i] = 0.25 * (gx * gx + gy * gy)
            }
        }
        let s0 = threshold * threshold
        var out = [Float](repeating: 0, count: n)
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0, c: Float = 0
                for yy in max(0, y - 2)...min(h - 1, y + 2) {
                    for xx in max(0, x - 2)...min(w - 1, x + 2) {
                        s += energy[yy * w + xx]
                        c += 1
                    }
                }
                s /= c
                out[y * w + x] = s / (s + s0)
            }
        }
        return out
    }
}
