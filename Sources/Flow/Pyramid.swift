import Graph
/// Image kernels for the pyramid: 2x2 box downsampling, Sobel gradients, border padding.
enum PyramidKernels {
    /// dst (w/2 x h/2) = mean of each 2x2 block of src (w x h); odd last rows/columns are dropped,
    /// as OpenCV's INTER_AREA halving does.
    static func halve(_ src: UnsafePointer<Float>, width w: Int, height h: Int, into dst: UnsafeMutablePointer<Float>) {
        let dw = w / 2, dh = h / 2
        nonisolated(unsafe) let s = src, d = dst
        parallelStripes(dh, stripes: denseStripes) { y0, y1 in
            for y in y0..<y1 {
                let r0 = s + 2 * y * w, r1 = r0 + w, o = d + y * dw
                for x in 0..<dw {
                    o[x] = 0.25 * (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1])
                }
            }
        }
    }

    /// 3x3 Sobel derivatives scaled to intensity per pixel (kernel / 8), replicated border.
    static func sobel(_ src: UnsafePointer<Float>, width w: Int, height h: Int,
                      dx: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let s = src, gx = dx, gy = dy
        parallelStripes(h, stripes: denseStripes) { y0, y1 in
            for y in y0..<y1 {
                let up = s + max(y - 1, 0) * w, mid = s + y * w, dn = s + min(y + 1, h - 1) * w
                for x in 0..<w {
                    let l = max(x - 1, 0), r = min(x + 1, w - 1)
                    let a = up[l], b = up[x], c = up[r], d = mid[l], f = mid[r], g = dn[l], k = dn[x], m = dn[r]
                    gx[y * w + x] = 0.125 * ((c - a) + 2 * (f - d) + (m - g))
                    gy[y * w + x] = 0.125 * ((g - a) + 2 * (k - b) + (m - c))
                }
            }
        }
    }

    /// dst ((w+2b) x (h+2b)) = src with a replicated border of b pixels.
    static func pad(_ src: UnsafePointer<Float>, width w: Int, height h: Int, border b: Int,
                    into dst: UnsafeMutablePointer<Float>) {
        let ew = w + 2 * b
        for y in 0..<(h + 2 * b) {
            let s = src + min(max(y - b, 0), h - 1) * w, o = dst + y * ew
            o.update(repeating: s[0], count: b)
            (o + b).update(from: s, count: w)
            (o + b + w).update(repeating: s[w - 1], count: b)
        }
    }

    /// Bilinear resize of one plane (OpenCV's pixel-centre convention), values multiplied by `scale`.
    ///
    /// Separable: each stripe interpolates the source rows it needs horizontally once, then
    /// blends row pairs (contiguous, vectorized). Upsampling 4x, the single pass had redone the
    /// horizontal step for every output row (7% of a slow-motion run); the sums are the same.
    static func resize(_ src: UnsafePointer<Float>, width sw: Int, height sh: Int,
                       into dst: UnsafeMutablePointer<Float>, width dw: Int, height dh: Int, scale: Float) {
        let fx = Float(sw) / Float(dw), fy = Float(sh) / Float(dh)
        let sourceRow = { @Sendable (y: Int) -> (Int, Int, Float) in
            let syf = min(max((Float(y) + 0.5) * fy - 0.5, 0), Float(sh - 1))
            let iy = min(Int(syf), max(sh - 2, 0))
            return (iy, min(iy + 1, sh - 1), syf - Float(iy))
        }
        nonisolated(unsafe) let s = src, d = dst
        parallelStripes(dh, stripes: denseStripes) { y0, y1 in
            let first = sourceRow(y0).0, last = sourceRow(y1 - 1).1
            // Column taps and this stripe's horizontally interpolated rows, on the stack.
            withUnsafeTemporaryAllocation(of: Int.self, capacity: dw) { left in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: dw) { frac in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: (last - first + 1) * dw) { rows in
                let edge = sw - 1
                for x in 0..<dw {
                    let sxf = min(max((Float(x) + 0.5) * fx - 0.5, 0), Float(edge))
                    let ix = min(Int(sxf), max(sw - 2, 0))
                    left[x] = ix
                    frac[x] = sxf - Float(ix)
                }
                for r in first...last {
                    let row = s + r * sw, o = rows.baseAddress! + (r - first) * dw
                    for x in 0..<dw {
                        let ix = left[x], ix1 = min(ix + 1, edge), ax = frac[x]
                        o[x] = row[ix] + ax * (row[ix1] - row[ix])
                    }
                }
                for y in y0..<y1 {
                    let (iy, iy1, ay) = sourceRow(y)
                    let top = rows.baseAddress! + (iy - first) * dw, bottom = rows.baseAddress! + (iy1 - first) * dw
                    let o = d + y * dw
                    for x in 0..<dw { o[x] = scale * (top[x] + ay * (bottom[x] - top[x])) }
                }
            }}}
        }
    }
}

/// Bilinear read of `p` (w x h) at (x, y), clamped to the picture.
@inline(__always)
func bilinear(_ p: UnsafePointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float) -> Float {
    let cx = min(max(x, 0), Float(w - 1)), cy = min(max(y, 0), Float(h - 1))
    let ix = min(Int(cx), w - 2 < 0 ? 0 : w - 2), iy = min(Int(cy), h - 2 < 0 ? 0 : h - 2)
    let ax = cx - Float(ix), ay = cy - Float(iy)
    let ix1 = min(ix + 1, w - 1), iy1 = min(iy + 1, h - 1)
    let r0 = p + iy * w, r1 = p + iy1 * w
    let top = r0[ix] + ax * (r0[ix1] - r0[ix])
    let bottom = r1[ix] + ax * (r1[ix1] - r1[ix])
    return top + ay * (bottom - top)
}

@inline(__always)
func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
