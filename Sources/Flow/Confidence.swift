import Foundation
import Graph
import SpectralVolume

/// How far a measured trajectory can be trusted, per pixel of the reference frame I0 (0...1).
///
/// Optical flow is only measured where I0 has texture: on a flat sky or a black background any
/// displacement matches equally well, and the patch search returns noise (blocks of several
/// pixels of "motion" that the variational smoothing then spreads). Two cues, multiplied:
///
/// **Texture** of I0 against the clip's noise: the mean gradient energy E over a small window
/// (the trace of the structure tensor, not its smallest eigenvalue: a swaying cable or the edge
/// of a flame is 1-D texture whose motion across itself is measured well), less the sigma^2 that
/// noise alone gives (`noise` sigma from a robust MAD of I0's Laplacian), in units of tau
/// sigma^2: g = max(E - sigma^2, 0) / (tau sigma^2), c = 1 - exp(-g^2). 0 on flat or noise-only
/// areas, 1 on edges and texture.
///
/// `fill` gives each pixel the confident motion around it (its own where c = 1, its textured
/// neighbours' where c is low, 0 far from any texture); `apply` multiplies by c instead.
///
/// (A temporal-consistency factor, the share of each trajectory's variance in the K kept
/// frequencies, was measured as a second factor and left out: it removed little more on flat
/// areas but cut real fire motion 2.7x and sub-pixel sway by a sixth, whose measured
/// trajectories are broadband; see docs/filters.md.)
public enum MotionConfidence {
    /// Noise floor in grey levels (0...255): compressed video often has flat areas with no
    /// noise at all, where a handful of quantization steps must not count as texture.
    public static let noiseFloor: Float = 1
    /// Texture scale tau: gradient energy, in units of the noise's, at which c = 1 - 1/e.
    public static let textureScale: Float = 6
    /// Half side of the structure tensor window (7x7, about a flow patch).
    public static let textureRadius = 3

    /// The picture's noise sigma in grey levels (0...255), at least `noiseFloor`.
    ///
    /// Immerkaer's Laplacian-difference operator (its weights' squares sum to 36) removes
    /// smooth image content; the median of its magnitude over pixels ignores edges and texture
    /// (a robust MAD, 0.6745 sigma for Gaussian noise).
    public static func noiseLevel(of image: GrayImage, floor: Float = noiseFloor) -> Float {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3 else { return floor }
        var values: [Float] = []
        values.reserveCapacity((w - 2) * (h - 2))
        image.data.withUnsafeBufferPointer { p in
            for y in 1..<(h - 1) {
                let r = y * w
                for x in 1..<(w - 1) {
                    let i = r + x
                    let corners = p[i - w - 1] + p[i - w + 1] + p[i + w - 1] + p[i + w + 1]
                    let sides = p[i - w] + p[i + w] + p[i - 1] + p[i + 1]
                    values.append(abs(corners - 2 * sides + 4 * p[i]))
                }
            }
        }
        let median = GlobalShift.select(&values, values.count / 2)
        return max(median / (0.6745 * 6), floor)
    }

    /// Texture confidence (H, W) in 0...1 of `image` (see the type's notes).
    public static func texture(of image: GrayImage, noise: Float? = nil, radius: Int = textureRadius,
                               scale: Float = textureScale) -> [Float] {
        let w = image.width, h = image.height, n = w * h
        guard n > 0 else { return [] }
        let sigma = noise ?? noiseLevel(of: image)
        // Central differences: noise of variance s^2 gives gx^2 + gy^2 of mean s^2.
        var energy = [Float](repeating: 0, count: n)
        image.data.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let up = max(y - 1, 0) * w, down = min(y + 1, h - 1) * w, r = y * w
                for x in 0..<w {
                    let gx = 0.5 * (p[r + min(x + 1, w - 1)] - p[r + max(x - 1, 0)])
                    let gy = 0.5 * (p[down + x] - p[up + x])
                    energy[r + x] = gx * gx + gy * gy
                }
            }
        }
        BoxFilter.mean(&energy, width: w, height: h, radius: radius)
        // Noise alone brings sigma^2 of energy: only the excess is texture.
        let floor = sigma * sigma, unit = 1 / (sigma * sigma * scale)
        return energy.map { e in
            let g = max(e - floor, 0) * unit
            return 1 - exp(-g * g)
        }
    }

    /// Replaces each pixel's coefficients (all k, both axes, Re and Im) by the confident motion
    /// around it: S' = c S + (1 - c) G(c^2 S) / (G(c^2) + 0.3), G a box mean of `radius` applied
    /// twice (about a Gaussian of sigma 0.9 radius). Where nothing nearby is confident the
    /// motion falls to 0, as with `apply`.
    ///
    /// Why not `apply`: scaling by c changes the motion wherever c changes, so the field
    /// compresses and tears at every soft edge (a soft shadow, a flame's flat core); filling
    /// keeps a flat inside moving with its textured rim. Measured on four clips (palm shadows,
    /// candle, fountain, fireplace; `motion` then `render` of the 5 s window against the real
    /// frames): 1.1-2.1x fewer folded pixels (where p + F_t(p) turns inside out), PSNR -0.01 to
    /// +0.06 dB; the visible gain is the tearing that is gone (docs/images/).
    public static func fill(_ confidence: [Float], to volume: inout SpectralVolume, radius: Int = 7) {
        let w = volume.width, h = volume.height, size = w * h
        guard confidence.count == size else { return }
        // Neighbours count by c^2: noise-only areas (c of a few percent) must lend no motion.
        let trust = confidence.map { $0 * $0 }
        var trustMean = trust
        BoxFilter.twiceMean(&trustMean, width: w, height: h, radius: radius)
        for base in stride(from: 0, to: volume.data.count, by: size) {
            var plane = Array(volume.data[base..<(base + size)])
            BoxFilter.fillFromNeighbours(&plane, confidence: confidence, trust: trust, trustMean: trustMean,
                                         epsilon: 0.3, width: w, height: h, radius: radius)
            volume.data.replaceSubrange(base..<(base + size), with: plane)
        }
    }

    /// Multiplies every coefficient of pixel p (all k, both axes, Re and Im) by `confidence[p]`.
    public static func apply(_ confidence: [Float], to volume: inout SpectralVolume) {
        let size = volume.width * volume.height
        guard confidence.count == size else { return }
        let planes = volume.data.count / size
        volume.data.withUnsafeMutableBufferPointer { d in
            confidence.withUnsafeBufferPointer { c in
                for plane in 0..<planes {
                    let base = plane * size
                    for i in 0..<size { d[base + i] *= c[i] }
                }
            }
        }
    }
}
