import Foundation
import Graph

// Normalization and hole filling. Push-pull (Gortler et al. 1996, "The Lumigraph"): each pixel
// has a confidence c = min(1, splat coverage). Push builds coarser levels from confidence-weighted
// 2x2 means (confidence adds up, capped at 1), so a hole of any size is covered at some scale;
// pull walks back down and replaces the missing share (1 - c) of each pixel by the bilinearly
// upsampled coarser level. Fully covered pixels are kept bit-exact, the fill is a smooth function
// of the splats (no flicker between frames), and every pixel ends with confidence 1 as soon as
// anything landed in the picture at all (an empty picture renders black).

extension SplatRenderer {
    /// Turns the sums of level 0's `rows` into colours and confidences, counting the band's holes
    /// and partly covered pixels into `counters[band]`. Called by each splat band right after it
    /// has summed its rows, while they are still in its core's cache.
    func resolve(rows: Range<Int>, band: Int) {
        let w = width
        let acc = pyramid
        let motionLayout = spline != nil
        var holes = 0, partial = 0
        for y in rows {
            let before = partial
            for i in (y * w)..<((y + 1) * w) {
                let p = acc[i]
                let weight = p[5], coverage = p[6]
                if weight > 0 && weight.isFinite {
                    var v = p / SIMD8(repeating: weight)
                    // Coverage of a sub-pixel translation sums to 1 only up to rounding, and a pixel
                    // 90% covered by its own splats is as good as covered: blending it with the
                    // coarse fill would only soften it, and counting it full lets a frame without
                    // real holes skip the pyramid altogether.
                    let c: Float = coverage >= SplatRenderer.fullCoverage ? 1 : coverage
                    if motionLayout {
                        // Blue moves out of lane 7 (the confidence from here on); lane 6 keeps
                        // the splat's own confidence for the output's blend.
                        v[5] = v[7]; v[6] = c; v[7] = c
                    } else {
                        v[5] = 0; v[6] = 0; v[7] = c
                    }
                    acc[i] = v
                    if c < 1 { partial += 1 }
                } else {
                    acc[i] = .zero
                    holes += 1
                    partial += 1
                }
            }
            partialRows[y] = partial > before
        }
        counters[band] = SIMD2(holes, partial)
    }

    /// Fills whatever `resolve` left not fully covered.
    func fill() {
        let bands = threads
        var holes = 0, partial = 0
        for b in 0..<bands {
            holes += counters[b].x
            partial += counters[b].y
        }
        lastHoleCount = holes
        lastPartialCount = partial
        guard partial > 0 else { return }

        // Push until a level is fully confident (or 1x1), then pull back down.
        var top = 0
        while top + 1 < levels.count {
            let incomplete = push(from: levels[top], to: levels[top + 1], index: top + 1)
            top += 1
            if incomplete == 0 { break }
        }
        for l in stride(from: top - 1, through: 0, by: -1) {
            pull(into: levels[l], from: levels[l + 1], index: l + 1)
        }
    }

    /// Band count for a level of `rows` rows: tiny levels are not worth a thread hop.
    private func levelBands(_ rows: Int) -> Int { rows >= 32 ? threads : 1 }

    /// Coarsest pyramid level (1 = half size) at which `best` prefers the background: holes up
    /// to about 2^(this + 1) px across, i.e. disocclusions beside a moving edge.
    ///
    /// Why not every level: at coarse levels a pixel stands for a 16-64 px block, and preferring
    /// its lowest W there paints a whole hole with the one source of lowest W in that block. W
    /// measured on real footage is not that reliable (flat sky read as moving, flames, waves).
    /// Ten of the 44 clips of ../shared/data (150 frames, K=16), `best` minus `fast`: every level
    /// -0.82 dB on average (a webcam whose drift uncovers a border strip, filled with ground and
    /// haze: -6.1 dB), levels 1-2 -0.04 dB (-0.20 on the webcam), none +0.02; the disk test's
    /// red in the uncovered area (background ~0.19, disk ~0.88): 0.18 / 0.20 / 0.42.
    /// Benchmarks/render/README.md, "Hole fill".
    static let backgroundPreferenceLevels = 2

    /// Whether push and pull at pyramid level `index` weigh by W (`best`, softmax weights on).
    private func prefersBackground(atLevel index: Int) -> Bool {
        quality == .best && alpha > 0 && index <= Self.backgroundPreferenceLevels
    }

    /// Builds `coarse` (pyramid level `index`) from `fine`; returns how many coarse pixels still
    /// have confidence < 1.
    private func push(from fine: Level, to coarse: Level, index: Int) -> Int {
        let bands = levelBands(coarse.height)
        nonisolated(unsafe) let f = pyramid + fine.offset
        nonisolated(unsafe) let c = pyramid + coarse.offset
        nonisolated(unsafe) let counts = counters
        counts.update(repeating: .zero, count: bands)  // stripes past the rows do not run
        // best prefers the background (small W) when mixing children: holes are mostly
        // disocclusions, which the background fills, not the foreground that uncovered them.
        let depthAware = prefersBackground(atLevel: index)
        let a = alpha
        let fw = fine.width, fh = fine.height, cw = coarse.width
        parallelIndexedStripes(coarse.height, stripes: bands, serial: threads <= 1) { band, lo, hi in
            var incomplete = 0
            for y in lo..<hi {
                let y0 = 2 * y, y1 = min(2 * y + 1, fh - 1)
                for x in 0..<cw {
                    let x0 = 2 * x, x1 = min(2 * x + 1, fw - 1)
                    // Duplicated edge children (odd sizes) are counted once.
                    let p00 = f[y0 * fw + x0]
                    let p10 = x1 != x0 ? f[y0 * fw + x1] : .zero
                    let p01 = y1 != y0 ? f[y1 * fw + x0] : .zero
                    let p11 = x1 != x0 && y1 != y0 ? f[y1 * fw + x1] : .zero
                    var g = SIMD4(p00[7], p10[7], p01[7], p11[7])
                    let conf = g.sum()
                    if depthAware && conf > 0 {
                        let d = SIMD4(p00[4], p10[4], p01[4], p11[4])
                        // Empty children (g = 0) take dmin too: their own W is 0, and
                        // e^(a (dmin - 0)) overflows to inf from dmin ~ 44 px, and 0 * inf = NaN.
                        let empty = g .== 0
                        let dmin = d.replacing(with: .infinity, where: empty).min()
                        let e = d.replacing(with: dmin, where: empty)
                        g *= SIMD4(expf(a * (dmin - e[0])), expf(a * (dmin - e[1])),
                                   expf(a * (dmin - e[2])), expf(a * (dmin - e[3])))
                    }
                    let total = g.sum()
                    var v = SIMD8<Float>.zero
                    if total > 0 {
                        var sum: SIMD8<Float> = g[0] * p00
                        sum += g[1] * p10
                        sum += g[2] * p01
                        sum += g[3] * p11
                        v = sum / SIMD8(repeating: total)
                    }
                    v[7] = min(1, conf)
                    if v[7] < 1 { incomplete += 1 }
                    c[y * cw + x] = v
                }
            }
            counts[band] = SIMD2(incomplete, 0)
        }
        var incomplete = 0
        for b in 0..<bands { incomplete += counts[b].x }
        return incomplete
    }

    /// Fills the missing confidence of `fine` from the bilinearly upsampled, already filled `coarse`
    /// (pyramid level `index`).
    private func pull(into fine: Level, from coarse: Level, index: Int) {
        let bands = levelBands(fine.height)
        nonisolated(unsafe) let f = pyramid + fine.offset
        nonisolated(unsafe) let c = pyramid + coarse.offset
        let fw = fine.width, cw = coarse.width, ch = coarse.height
        let depthAware = prefersBackground(atLevel: index)
        let a = alpha
        nonisolated(unsafe) let rowFlags = partialRows
        let finest = fine.offset == 0
        parallelStripes(fine.height, stripes: bands, serial: threads <= 1) { lo, hi in
            for y in lo..<hi where !finest || rowFlags[y] {
                // Fine pixel centre y maps to coarse (y - 0.5) / 2: the two nearest coarse rows
                // with weights 3/4 (own) and 1/4 (the one on y's side), clamped at the borders.
                let own = y / 2
                let other = min(max(y % 2 == 0 ? own - 1 : own + 1, 0), ch - 1)
                let rowA = c + own * cw, rowB = c + other * cw
                for x in 0..<fw {
                    let p = f[y * fw + x]
                    let conf = p[7]
                    if conf >= 1 { continue }
                    let ox = x / 2
                    let px = min(max(x % 2 == 0 ? ox - 1 : ox + 1, 0), cw - 1)
                    let c00 = rowA[ox], c10 = rowA[px], c01 = rowB[ox], c11 = rowB[px]
                    var g = SIMD4<Float>(0.5625, 0.1875, 0.1875, 0.0625)
                    if depthAware {
                        // Same preference as in push: a hole next to the foreground's edge takes
                        // the background's colour instead of a ramp between the two (a ghost seam).
                        let d = SIMD4(c00[4], c10[4], c01[4], c11[4])
                        let dmin = d.min()
                        g *= SIMD4(expf(a * (dmin - d[0])), expf(a * (dmin - d[1])),
                                   expf(a * (dmin - d[2])), expf(a * (dmin - d[3])))
                        g /= SIMD4(repeating: g.sum())
                    }
                    var up: SIMD8<Float> = g[0] * c00
                    up += g[1] * c10
                    up += g[2] * c01
                    up += g[3] * c11
                    var v: SIMD8<Float> = conf * p
                    v += (1 - conf) * up
                    v[7] = 1
                    if finest { v[6] = conf }  // the splat's own share, for writeResampled
                    f[y * fw + x] = v
                }
            }
        }
    }

    /// Copies level 0 into planar RGB (and alpha).
    func writeOutput(rgb: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>?) {
        let n = width * height, w = width, h = height
        let bands = threads
        nonisolated(unsafe) let acc = pyramid
        nonisolated(unsafe) let dst = rgb
        nonisolated(unsafe) let dstAlpha = alpha
        parallelStripes(h, stripes: bands, serial: threads <= 1) { y0, y1 in
            let rows = y0..<y1
            for i in (rows.lowerBound * w)..<(rows.upperBound * w) {
                let p = acc[i]
                dst[i] = p[0]
                dst[n + i] = p[1]
                dst[2 * n + i] = p[2]
                dstAlpha?[i] = p[3]
            }
        }
    }
}

extension SplatRenderer {
    /// Where the displacement at a pixel departs from the mean of its four neighbours' by more
    /// than this many pixels, the motion there is chaotic (measured flow on waves, spray, reeds,
    /// folding shadows), and the splatted colour blend replaces the sharp sample, fully from
    /// `chaoticDeparture`: one displacement sampled sharply there is a confident guess among
    /// several, while the blend hedges. Smooth motion of ordinary strength departs from its
    /// neighbours' mean by nearly nothing and stays sharp; a strong one curves enough to trip the
    /// test (a 6 px `poke` or `magnify=4` of a still's predicted motion: detail 0.68 / 0.78 of
    /// the photo's with the test, 0.83 / 0.87 without), so `chaosScale` scales it with the
    /// magnification and turns it off for predicted motion. Measured: Benchmarks/render/README.md,
    /// "Detail and loops" and "Detail of the other motion renders".
    static let smoothDeparture: Float = 0.05
    static let chaoticDeparture: Float = 0.2

    /// 1 where pixel i's displacement is within `smoothDeparture` x `scale` px of its neighbours'
    /// mean (on both axes), 0 from `chaoticDeparture` x `scale`, linear between (`scale` finite
    /// and positive; see `chaosScale`).
    @inline(__always)
    static func smoothness(_ acc: UnsafeMutablePointer<SIMD8<Float>>, _ i: Int, x: Int, y: Int, width w: Int,
                           height h: Int, scale: Float = 1) -> Float {
        let l = x > 0 ? i - 1 : i, r = x + 1 < w ? i + 1 : i
        let u = y > 0 ? i - w : i, d = y + 1 < h ? i + w : i
        let mx = 0.25 * (acc[l][0] + acc[r][0] + acc[u][0] + acc[d][0])
        let my = 0.25 * (acc[l][1] + acc[r][1] + acc[u][1] + acc[d][1])
        let departure = max(abs(acc[i][0] - mx), abs(acc[i][1] - my))
        // NaN (a non-finite displacement) fails the comparison and counts as chaotic.
        let chaotic = chaoticDeparture * scale
        guard departure <= chaotic else { return 0 }
        return min(1, (chaotic - departure) / (chaotic - smoothDeparture * scale))
    }

    /// Displacements below this (pixels, on both axes) copy I0 instead of sampling it: the value
    /// sampled that close to a pixel differs from it by at most 1/512 of a full-range edge step,
    /// half an 8-bit code value.
    static let stillDisplacement: Float = 1.0 / 512

    /// B-spline kernels: level 0 holds, per output pixel, the displacement F(q) and the colour
    /// splatted with the softmax weights (holes and partly covered pixels filled by push-pull),
    /// and in lane 6 the share c that the splats themselves covered. The output is I0 sampled once
    /// at q - F(q) where the splats covered the pixel, the filled colour where nothing landed
    /// (a disocclusion: sampling I0 there would repeat whatever uncovered it), blended by c in
    /// between, and by `smoothness` where the motion is chaotic (scaled by `chaosScale`). A covered pixel that moves by less than `stillDisplacement`, or by whole pixels,
    /// copies I0 (exact, and most of a still's background costs no sampling). Values are clamped
    /// to [0, 1]: the interpolating B-spline rings slightly at hard edges.
    func writeResampled(_ spline: BSplineImage, source: UnsafePointer<Float>, sourceAlpha: UnsafePointer<Float>?,
                        rgb: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>?) {
        switch spline.kernel {
        case .quintic: writeResampled(QuinticSum.self, spline, source: source, sourceAlpha: sourceAlpha, rgb: rgb, alpha: alpha)
        default: writeResampled(CubicSum.self, spline, source: source, sourceAlpha: sourceAlpha, rgb: rgb, alpha: alpha)
        }
    }

    /// `writeResampled` compiled for one kernel.
    private func writeResampled<Sum: SplineSum>(_ kernel: Sum.Type, _ spline: BSplineImage, source: UnsafePointer<Float>,
                                                sourceAlpha: UnsafePointer<Float>?, rgb: UnsafeMutablePointer<Float>,
                                                alpha: UnsafeMutablePointer<Float>?) {
        let n = width * height, w = width, h = height
        let bands = threads
        nonisolated(unsafe) let acc = pyramid
        nonisolated(unsafe) let dst = rgb
        nonisolated(unsafe) let dstAlpha = alpha
        nonisolated(unsafe) let src = source
        nonisolated(unsafe) let srcAlpha = sourceAlpha
        let still = Self.stillDisplacement
        let scale = chaosScale, chaosTest = chaosScale.isFinite
        parallelStripes(h, stripes: bands, serial: threads <= 1) { y0, y1 in
            let rows = y0..<y1
            for y in rows {
                for x in 0..<w {
                    let i = y * w + x
                    let p = acc[i]
                    // Sharp where the splats covered the pixel and the motion around it is smooth.
                    var c = p[6]
                    if chaosTest { c *= Self.smoothness(acc, i, x: x, y: y, width: w, height: h, scale: scale) }
                    // A non-finite displacement (none reaches level 0 from finite fields) counts as none.
                    let dx = p[0].isFinite ? p[0] : 0, dy = p[1].isFinite ? p[1] : 0
                    var v: SIMD4<Float>
                    if c <= 0 {
                        v = SIMD4(p[2], p[3], p[5], 0)
                    } else {
                        let sx = Float(x) - dx, sy = Float(y) - dy
                        let rx = sx.rounded(), ry = sy.rounded()
                        if abs(sx - rx) < still && abs(sy - ry) < still && rx >= 0 && ry >= 0 && rx < Float(w) && ry < Float(h) {
                            let j = Int(ry) * w + Int(rx)
                            v = SIMD4(src[j], src[n + j], src[2 * n + j], srcAlpha?[j] ?? 1)
                        } else {
                            v = spline.sample(Sum.self, x: sx, y: sy)
                        }
                        if c < 1 {
                            let a = v[3]
                            v = c * v + (1 - c) * SIMD4(p[2], p[3], p[5], 0)
                            v[3] = a
                        }
                    }
                    if dstAlpha != nil && c <= 0 { v[3] = spline.sample(Sum.self, x: Float(x) - dx, y: Float(y) - dy)[3] }
                    dst[i] = min(max(v[0], 0), 1)
                    dst[n + i] = min(max(v[1], 0), 1)
                    dst[2 * n + i] = min(max(v[2], 0), 1)
                    dstAlpha?[i] = min(max(v[3], 0), 1)
                }
            }
        }
    }
}
