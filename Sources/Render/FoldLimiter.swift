import Dispatch
import Graph
import SpectralVolume

/// Smooths a spectral volume where its fields could fold over themselves, before rendering
/// (`render=unfold=ONSET`; off by default).
///
/// Where the coefficients change by more than a pixel per pixel, some F_t can fold: two strips of
/// I0 land on one place, and splatting interleaves them into a comb of dark and light pixels
/// (measured motion of soft shadows: the palm-shadow clip has 36k folded pixels over 30 sampled
/// frames, and comb streaks at some moments of its loop). Such regions are not occluders whose
/// edge a softmax could order: the measured flow there changes by tens of pixels within a few
/// pixels. So the coefficients are blended toward their local mean there, in proportion to how
/// far a bound on the fields' gradient exceeds the onset, the blend itself smoothed so a lone
/// sharp edge (a real motion border, one pixel wide) is hardly touched while a chaotic area is.
/// It is an option, not the default, because it also smooths motion that is chaotic and right:
/// at onset 4 the comb on the palm shadows is gone, at -0.09 dB there against the real frames,
/// but fire loses 0.39 dB and the fountain 0.13 (Benchmarks/render/README.md, "Fold limiter").
public enum FoldLimiter {
    /// The suggested onset (`render=unfold=4`): removed the palm-shadow comb; lower onsets
    /// smoothed real motion too (onset 1: -0.4..-0.85 dB on four of the six benchmark clips).
    public static let suggestedOnset: Float = 4
    /// Radius of the box (applied twice) that smooths the coefficients.
    static let radius = 3
    /// Radius of the box (applied twice) that spreads the blend factor.
    static let maskRadius = 2

    /// `volume` with its fold-prone regions smoothed: where the gradient bound exceeds `onset`
    /// (px of motion per px), fully from twice it; `passes` rounds, each round's smoothing lowering
    /// the gradients the next one sees. A volume whose bound stays below `onset` everywhere, or
    /// `onset` 0 (off, as in `render=unfold=0`), comes back unchanged.
    public static func limited(_ volume: SpectralVolume, onset: Float = suggestedOnset, passes: Int = 3) -> SpectralVolume {
        precondition(onset >= 0, "FoldLimiter: onset \(onset) must not be negative")
        guard onset > 0 else { return volume }
        var out = volume
        for _ in 0..<passes {
            let mask = blendMask(out, onset: onset)
            guard mask.contains(where: { $0 > 0 }) else { break }
            blend(&out, toward: mask)
        }
        return out
    }

    /// Per pixel: sum over frequencies, axes and derivative directions of |d c_k / d x| (complex
    /// magnitude, counted twice for k >= 1 as in F_t = c_0 + 2 Re sum c_k e^(i w t)). It bounds the
    /// Jacobian's entries at every t, so below 1 no field of the volume folds.
    public static func gradientBound(_ volume: SpectralVolume) -> [Float] {
        let w = volume.width, h = volume.height, n = volume.planeSize, part = volume.partSize
        var bound = [Float](repeating: 0, count: n)
        volume.data.withUnsafeBufferPointer { d in
            bound.withUnsafeMutableBufferPointer { g in
                for k in 0..<volume.frequencies {
                    let factor: Float = k == 0 ? 1 : 2
                    for axis in 0..<2 {
                        let re = d.baseAddress! + (k * 2 + axis) * n, im = re + part
                        for y in 0..<h {
                            let up = max(0, y - 1) * w, down = min(h - 1, y + 1) * w, row = y * w
                            let sy: Float = (y == 0 || y == h - 1) ? 1 : 0.5
                            for x in 0..<w {
                                let l = row + max(0, x - 1), r = row + min(w - 1, x + 1)
                                let sx: Float = (x == 0 || x == w - 1) ? 1 : 0.5
                                let dxRe = (re[r] - re[l]) * sx, dxIm = (im[r] - im[l]) * sx
                                let dyRe = (re[down + x] - re[up + x]) * sy, dyIm = (im[down + x] - im[up + x]) * sy
                                g[row + x] += factor * ((dxRe * dxRe + dxIm * dxIm).squareRoot()
                                                        + (dyRe * dyRe + dyIm * dyIm).squareRoot())
                            }
                        }
                    }
                }
            }
        }
        return bound
    }

    /// The blend factor: 0 below `onset`, 1 from twice it, spread by the mask box.
    static func blendMask(_ volume: SpectralVolume, onset: Float) -> [Float] {
        var mask = gradientBound(volume).map { min(1, max(0, ($0 - onset) / onset)) }
        BoxFilter.twiceMean(&mask, width: volume.width, height: volume.height, radius: maskRadius)
        return mask
    }

    /// Every coefficient plane moves toward its smoothed self by `mask`.
    static func blend(_ volume: inout SpectralVolume, toward mask: [Float]) {
        let n = volume.planeSize, w = volume.width, h = volume.height
        let planes = volume.data.count / n
        volume.data.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                for p in stride(from: worker, to: planes, by: 2) {
                    let plane = base + p * n
                    var smooth = Array(UnsafeBufferPointer(start: plane, count: n))
                    BoxFilter.twiceMean(&smooth, width: w, height: h, radius: radius)
                    for i in 0..<n where mask[i] > 0 { plane[i] += mask[i] * (smooth[i] - plane[i]) }
                }
            }
        }
    }
}
