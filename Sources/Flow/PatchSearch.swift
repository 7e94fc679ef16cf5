import Graph
/// DIS patch inverse search on one pyramid level (Kroeger et al. 2016, section 2.1).
///
/// Each patch of I0 on a grid with step `stride` starts from the coarser level's flow at its
/// centre, optionally takes a better neighbour's vector (spatial propagation), then runs
/// inverse-compositional Gauss-Newton: the Hessian comes from I0's gradients once per patch, so
/// each iteration is one bilinear patch read of I1 plus three dot products.
struct PatchSearch: @unchecked Sendable {
    /// Level picture I0 (w x h) and its Sobel gradients.
    let i0, gradX, gradY: UnsafePointer<Float>
    /// I1 padded by `border` pixels on each side ((w + 2b) x (h + 2b)).
    let i1: UnsafePointer<Float>
    /// Dense flow of this level before the search (the coarser level's, upsampled).
    let initU, initV: UnsafePointer<Float>
    /// An optional guess for this level (e.g. the previous frame's flow), tried at each patch.
    let hintU, hintV: UnsafePointer<Float>?
    /// Sparse flow, one vector per patch (hs x ws): the result.
    let sparseU, sparseV: UnsafeMutablePointer<Float>
    /// Per-patch sums of Ix^2, Iy^2, IxIy, Ix, Iy (hs x ws), filled by `run`.
    let hxx, hyy, hxy, sumX, sumY: UnsafeMutablePointer<Float>
    let width, height, border, patch, stride: Int
    let iterations: Int
    let meanNormalization, propagation: Bool

    var gridWidth: Int { 1 + (width - patch) / stride }
    var gridHeight: Int { 1 + (height - patch) / stride }

    /// Stripes of patch rows searched independently. Fixed (as OpenCV does) because vectors
    /// propagate only within a stripe: the result must not depend on the number of cores.
    static let stripes = 8

    func run() {
        let hs = gridHeight
        let body = self
        parallelStripes(hs, stripes: Self.stripes) { first, end in
            body.tensor(rows: first, end)
            // Two sweeps, forward then backward, each with half the iterations.
            let inner = body.iterations / 2 > 0 ? body.iterations / 2 : 1
            body.sweep(rows: first, end, forward: true, inner: inner)
            body.sweep(rows: first, end, forward: false, inner: inner)
        }
    }

    /// Per-patch structure tensor and gradient sums.
    private func tensor(rows first: Int, _ end: Int) {
        let ws = gridWidth, chunks = patch / 4
        for ps in first..<end {
            for js in 0..<ws {
                let i = ps * stride, j = js * stride
                var xx = SIMD4<Float>(), yy = SIMD4<Float>(), xy = SIMD4<Float>()
                var sx = SIMD4<Float>(), sy = SIMD4<Float>()
                for r in 0..<patch {
                    let o = (i + r) * width + j
                    for c in 0..<chunks {
                        let gx = load4(gradX + o + 4 * c), gy = load4(gradY + o + 4 * c)
                        xx += gx * gx; yy += gy * gy; xy += gx * gy; sx += gx; sy += gy
                    }
                }
                let k = ps * ws + js
                // The plain (not mean-free) Hessian, as DIS: measured slightly better on Grove3.
                hxx[k] = xx.sum(); hyy[k] = yy.sum(); hxy[k] = xy.sum(); sumX[k] = sx.sum(); sumY[k] = sy.sum()
            }
        }
    }

    /// One pass over the stripe's patches; the forward pass also seeds them from the dense flow.
    private func sweep(rows first: Int, _ end: Int, forward: Bool, inner: Int) {
        let ws = gridWidth, half = patch / 2
        let dir = forward ? 1 : -1
        var ps = forward ? first : end - 1
        while ps >= first && ps < end {
            var js = forward ? 0 : ws - 1
            while js >= 0 && js < ws {
                let k = ps * ws + js
                let i = ps * stride, j = js * stride
                if forward {
                    sparseU[k] = initU[(i + half) * width + j + half]
                    sparseV[k] = initV[(i + half) * width + j + half]
                }
                if propagation || hintU != nil {
                    var best = cost(i, j, sparseU[k], sparseV[k])
                    if let hu = hintU, let hv = hintV {
                        let c0 = (i + half) * width + j + half
                        let c = cost(i, j, hu[c0], hv[c0])
                        if c < best { best = c; sparseU[k] = hu[c0]; sparseV[k] = hv[c0] }
                    }
                    // The neighbour already visited in this pass, along the row and across rows.
                    if propagation && (forward ? js > 0 : js < ws - 1) {
                        let n = k - dir
                        let c = cost(i, j, sparseU[n], sparseV[n])
                        if c < best { best = c; sparseU[k] = sparseU[n]; sparseV[k] = sparseV[n] }
                    }
                    if propagation && (forward ? ps > first : ps < end - 1) {
                        let n = k - dir * ws
                        let c = cost(i, j, sparseU[n], sparseV[n])
                        if c < best { sparseU[k] = sparseU[n]; sparseV[k] = sparseV[n] }
                    }
                }
                descend(k, i, j, inner: inner)
                js += dir
            }
            ps += dir
        }
    }

    /// Gauss-Newton from the patch's current vector; keeps the result only if it stayed within
    /// one patch size of the start (DIS's outlier guard).
    @inline(__always)
    private func descend(_ k: Int, _ i: Int, _ j: Int, inner: Int) {
        let a = hxx[k], b = hxy[k], d = hyy[k]
        var det = a * d - b * b
        // Flat patches: a tiny determinant makes a huge step, which the guard below rejects.
        if abs(det) < 1e-9 { det = 1e-9 }
        let i11 = d / det, i12 = -b / det, i22 = a / det
        let u0 = sparseU[k], v0 = sparseV[k]
        var u = u0, v = v0
        var previous = Float.infinity
        for _ in 0..<inner {
            let (ssd, gu, gv) = residual(i, j, u, v, gradient: true, sumX: sumX[k], sumY: sumY[k])
            u -= i11 * gu + i12 * gv
            v -= i12 * gu + i22 * gv
            if ssd >= previous { break }
            previous = ssd
        }
        let du = u - u0, dv = v - v0
        if du * du + dv * dv <= Float(patch * patch) {
            sparseU[k] = u
            sparseV[k] = v
        }
    }

    /// Patch distance at (u, v) without the gradient.
    @inline(__always)
    private func cost(_ i: Int, _ j: Int, _ u: Float, _ v: Float) -> Float {
        residual(i, j, u, v, gradient: false, sumX: 0, sumY: 0).0
    }

    /// SSD between the I0 patch at (i, j) and I1 bilinearly sampled at (i + v, j + u), and the
    /// steepest-descent vector sum(diff * grad I0); both mean-normalized when asked.
    @inline(__always)
    private func residual(_ i: Int, _ j: Int, _ u: Float, _ v: Float, gradient: Bool,
                          sumX gxSum: Float, sumY gySum: Float) -> (Float, Float, Float) {
        let b = Float(border), ew = width + 2 * border
        let y = min(max(Float(i) + v + b, b - Float(patch) + 1), b + Float(height) - 1)
        let x = min(max(Float(j) + u + b, b - Float(patch) + 1), b + Float(width) - 1)
        let y0 = Int(y), x0 = Int(x)
        let fy = y - Float(y0), fx = x - Float(x0)
        let n = Float(patch * patch)
        if patch == 8 {
            // The common size, one row per vector; each I1 row is interpolated horizontally
            // once and shared by the two output rows it touches.
            let ax = SIMD8<Float>(repeating: fx), ay = SIMD8<Float>(repeating: fy)
            var row = i1 + y0 * ew + x0
            var above = load8(row)
            above += ax * (load8(row + 1) - above)
            var sd = SIMD8<Float>(), sq = SIMD8<Float>(), sx = SIMD8<Float>(), sy = SIMD8<Float>()
            for r in 0..<8 {
                row += ew
                var below = load8(row)
                below += ax * (load8(row + 1) - below)
                let ref = (i + r) * width + j
                let diff = above + ay * (below - above) - load8(i0 + ref)
                above = below
                sq += diff * diff
                sd += diff
                if gradient {
                    sx += diff * load8(gradX + ref)
                    sy += diff * load8(gradY + ref)
                }
            }
            if meanNormalization {
                let m = sd.sum()
                return (sq.sum() - m * m / n, sx.sum() - m * gxSum / n, sy.sum() - m * gySum / n)
            }
            return (sq.sum(), sx.sum(), sy.sum())
        }
        let taps = BilinearTaps4(fx: fx, fy: fy)
        var sd = SIMD4<Float>(), sq = SIMD4<Float>(), sx = SIMD4<Float>(), sy = SIMD4<Float>()
        let chunks = patch / 4
        for r in 0..<patch {
            let top = i1 + (y0 + r) * ew + x0, bottom = top + ew
            let ref = (i + r) * width + j
            for c in 0..<chunks {
                let o = 4 * c
                let s = taps.sample(top + o, bottom + o)
                let diff = s - load4(i0 + ref + o)
                sq += diff * diff
                sd += diff
                if gradient {
                    sx += diff * load4(gradX + ref + o)
                    sy += diff * load4(gradY + ref + o)
                }
            }
        }
        if meanNormalization {
            let m = sd.sum()
            return (sq.sum() - m * m / n, sx.sum() - m * gxSum / n, sy.sum() - m * gySum / n)
        }
        return (sq.sum(), sx.sum(), sy.sum())
    }
}

/// Bilinear weights of a sub-pixel offset (fx, fy), applied to 4 neighbouring pixels at a time:
/// the patch kernels of the search and of densification sample the second image this way.
struct BilinearTaps4 {
    let w00: SIMD4<Float>, w01: SIMD4<Float>, w10: SIMD4<Float>, w11: SIMD4<Float>

    @inline(__always)
    init(fx: Float, fy: Float) {
        w00 = SIMD4(repeating: (1 - fy) * (1 - fx))
        w01 = SIMD4(repeating: (1 - fy) * fx)
        w10 = SIMD4(repeating: fy * (1 - fx))
        w11 = SIMD4(repeating: fy * fx)
    }

    /// The 4 samples whose top-left taps are top[0..<4] (row y0) and bottom[0..<4] (row y0 + 1).
    @inline(__always)
    func sample(_ top: UnsafePointer<Float>, _ bottom: UnsafePointer<Float>) -> SIMD4<Float> {
        w00 * load4(top) + w01 * load4(top + 1) + w10 * load4(bottom) + w11 * load4(bottom + 1)
    }
}

@inline(__always)
func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
