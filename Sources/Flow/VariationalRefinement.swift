/// Variational refinement of a dense flow (Brox et al. 2004 energy, as in DIS section 2.3).
///
/// Minimises, for an increment (du, dv) of the flow (u, v), brightness constancy (weight
/// delta) + gradient constancy (gamma), both normalised by the local gradient and robust
/// (Charbonnier), + alpha * Charbonnier(|grad(u + du)|^2 + |grad(v + dv)|^2). One warp of I1
/// per call; each fixed-point iteration relinearises the robust weights and runs red-black SOR.
///
/// Works in a layout padded by one pixel whose smoothness weights are zero, so the stencil
/// needs no border branches.
final class VariationalRefinement {
    private static let zeta2: Float = 0.01        // normaliser floor (zeta = 0.1 in 0...255 units)
    private static let epsilon2: Float = 1e-6     // Charbonnier epsilon squared
    private static let omega: Float = 1.6         // SOR over-relaxation

    // Padded (h + 2) x (w + 2) planes.
    private let u = Plane(), v = Plane(), du = Plane(), dv = Plane()
    private let ix = Plane(), iy = Plane(), iz = Plane(), ixx = Plane(), ixy = Plane(), iyy = Plane()
    private let ixz = Plane(), iyz = Plane(), valid = Plane(), warped = Plane()
    private let normC = Plane(), normX = Plane(), normY = Plane()
    private let a11 = Plane(), a12 = Plane(), a22 = Plane(), b1 = Plane(), b2 = Plane()
    private let weightRight = Plane(), weightDown = Plane(), diag1 = Plane(), diag2 = Plane()

    private var all: [Plane] {
        [u, v, du, dv, ix, iy, iz, ixx, ixy, iyy, ixz, iyz, valid, warped, normC, normX, normY, a11, a12, a22, b1, b2,
         weightRight, weightDown, diag1, diag2]
    }

    /// Refines (flowU, flowV) (w x h each, in place) between I0 and I1 (w x h, 0...255).
    func refine(i0: UnsafePointer<Float>, i1: UnsafePointer<Float>, flowU: UnsafeMutablePointer<Float>,
                flowV: UnsafeMutablePointer<Float>, width w: Int, height h: Int, parameters p: FlowParameters,
                iterations: Int) {
        guard iterations > 0, w >= 6, h >= 3 else { return }
        let pw = w + 2, n = pw * (h + 2)
        for plane in all { plane.reserve(n) }
        for plane in [u, v, du, dv, weightRight, weightDown] { plane.fill(0, count: n) }
        for y in 0..<h {
            (u.pointer + (y + 1) * pw + 1).update(from: flowU + y * w, count: w)
            (v.pointer + (y + 1) * pw + 1).update(from: flowV + y * w, count: w)
        }
        let k = Kernel(planes: self, width: w, height: h, parameters: p)
        k.warp(i1)
        k.derivatives(i0)
        for _ in 0..<iterations {
            k.smoothness()
            k.assemble()
            for _ in 0..<p.sorIterations { k.sweep() }
        }
        for y in 0..<h {
            let o = (y + 1) * pw + 1
            for x in 0..<w {
                flowU[y * w + x] = u.pointer[o + x] + du.pointer[o + x]
                flowV[y * w + x] = v.pointer[o + x] + dv.pointer[o + x]
            }
        }
    }

    /// The per-pixel passes, holding raw pointers so that they can run on several threads.
    private struct Kernel: @unchecked Sendable {
        let u, v, du, dv, ix, iy, iz, ixx, ixy, iyy, ixz, iyz, valid, warped: UnsafeMutablePointer<Float>
        let normC, normX, normY: UnsafeMutablePointer<Float>
        let a11, a12, a22, b1, b2, wr, wd, d1, d2: UnsafeMutablePointer<Float>
        let w, h, pw: Int
        let alpha2, gamma2, delta2: Float

        init(planes s: VariationalRefinement, width: Int, height: Int, parameters p: FlowParameters) {
            u = s.u.pointer; v = s.v.pointer; du = s.du.pointer; dv = s.dv.pointer
            ix = s.ix.pointer; iy = s.iy.pointer; iz = s.iz.pointer; ixx = s.ixx.pointer; ixy = s.ixy.pointer
            iyy = s.iyy.pointer; ixz = s.ixz.pointer; iyz = s.iyz.pointer; valid = s.valid.pointer
            warped = s.warped.pointer
            normC = s.normC.pointer; normX = s.normX.pointer; normY = s.normY.pointer
            a11 = s.a11.pointer; a12 = s.a12.pointer; a22 = s.a22.pointer; b1 = s.b1.pointer; b2 = s.b2.pointer
            wr = s.weightRight.pointer; wd = s.weightDown.pointer; d1 = s.diag1.pointer; d2 = s.diag2.pointer
            w = width; h = height; pw = width + 2
            alpha2 = p.alpha / 2; gamma2 = p.gamma / 2; delta2 = p.delta / 2
        }

        /// Rows [first, end) of the unpadded picture, in parallel.
        func rows(_ body: @escaping @Sendable (Int) -> Void) {
            parallelStripes(h, stripes: denseStripes) { first, end in
                for y in first..<end { body(y) }
            }
        }

        /// warped = I1(x + u, y + v); valid = 1 where that lands inside the picture.
        func warp(_ i1: UnsafePointer<Float>) {
            nonisolated(unsafe) let src = i1
            let k = self
            rows { y in
                for x in 0..<k.w {
                    let p = (y + 1) * k.pw + x + 1
                    let sx = Float(x) + k.u[p], sy = Float(y) + k.v[p]
                    k.warped[p] = bilinear(src, k.w, k.h, sx, sy)
                    k.valid[p] = (sx >= 0 && sx <= Float(k.w - 1) && sy >= 0 && sy <= Float(k.h - 1)) ? 1 : 0
                }
            }
        }

        /// Averaged derivatives of I0 and the warped I1 (Brox), central differences, clamped border.
        func derivatives(_ i0: UnsafePointer<Float>) {
            nonisolated(unsafe) let src = i0
            let k = self
            rows { y in
                let ym = max(y - 1, 0), yp = min(y + 1, k.h - 1)
                // Border columns one by one, the interior four at a time.
                k.derivative(src, y, ym, yp, 0)
                k.derivative(src, y, ym, yp, k.w - 1)
                var x = 1
                while x < k.w - 1 {
                    let xs = min(x, k.w - 5)
                    k.derivative4(src, y, ym, yp, xs)
                    x += 4
                }
            }
        }

        /// Derivatives at one pixel (any column).
        @inline(__always)
        func derivative(_ src: UnsafePointer<Float>, _ y: Int, _ ym: Int, _ yp: Int, _ x: Int) {
            let xm = max(x - 1, 0), xp = min(x + 1, w - 1)
            let c = src[y * w + x]
            let l = src[y * w + xm], r = src[y * w + xp], t = src[ym * w + x], b = src[yp * w + x]
            let tl = src[ym * w + xm], tr = src[ym * w + xp], bl = src[yp * w + xm], br = src[yp * w + xp]
            let pr = (y + 1) * pw + 1, pt = (ym + 1) * pw + 1, pb = (yp + 1) * pw + 1
            let wc = warped[pr + x], wl = warped[pr + xm], wr = warped[pr + xp], wt = warped[pt + x], wb = warped[pb + x]
            let wtl = warped[pt + xm], wtr = warped[pt + xp], wbl = warped[pb + xm], wbr = warped[pb + xp]
            store(SIMD4(repeating: c), SIMD4(repeating: l), SIMD4(repeating: r), SIMD4(repeating: t), SIMD4(repeating: b),
                  SIMD4(repeating: tl), SIMD4(repeating: tr), SIMD4(repeating: bl), SIMD4(repeating: br),
                  SIMD4(repeating: wc), SIMD4(repeating: wl), SIMD4(repeating: wr), SIMD4(repeating: wt),
                  SIMD4(repeating: wb), SIMD4(repeating: wtl), SIMD4(repeating: wtr), SIMD4(repeating: wbl),
                  SIMD4(repeating: wbr), at: pr + x, lanes: 1)
        }

        /// Derivatives at four interior pixels x..x+3 (1 <= x, x + 4 <= w - 1).
        @inline(__always)
        func derivative4(_ src: UnsafePointer<Float>, _ y: Int, _ ym: Int, _ yp: Int, _ x: Int) {
            let rc = src + y * w + x, rt = src + ym * w + x, rb = src + yp * w + x
            let pr = (y + 1) * pw + 1 + x, pt = (ym + 1) * pw + 1 + x, pb = (yp + 1) * pw + 1 + x
            store(load4(rc), load4(rc - 1), load4(rc + 1), load4(rt), load4(rb),
                  load4(rt - 1), load4(rt + 1), load4(rb - 1), load4(rb + 1),
                  load4(warped + pr), load4(warped + pr - 1), load4(warped + pr + 1), load4(warped + pt),
                  load4(warped + pb), load4(warped + pt - 1), load4(warped + pt + 1), load4(warped + pb - 1),
                  load4(warped + pb + 1), at: pr, lanes: 4)
        }

        /// Writes the averaged derivatives and normalisers from a 3x3 neighbourhood of I0 (c, l, r, t,
        /// b and corners) and of the warped I1 (w...), for `lanes` pixels starting at padded index p.
        @inline(__always)
        func store(_ c: SIMD4<Float>, _ l: SIMD4<Float>, _ r: SIMD4<Float>, _ t: SIMD4<Float>, _ b: SIMD4<Float>,
                   _ tl: SIMD4<Float>, _ tr: SIMD4<Float>, _ bl: SIMD4<Float>, _ br: SIMD4<Float>,
                   _ wc: SIMD4<Float>, _ wl: SIMD4<Float>, _ wr: SIMD4<Float>, _ wt: SIMD4<Float>, _ wb: SIMD4<Float>,
                   _ wtl: SIMD4<Float>, _ wtr: SIMD4<Float>, _ wbl: SIMD4<Float>, _ wbr: SIMD4<Float>,
                   at p: Int, lanes: Int) {
            let half: Float = 0.5, quarter: Float = 0.25
            let fx = half * (r - l), fy = half * (b - t)
            let fxx = r - 2 * c + l, fyy = b - 2 * c + t, fxy = quarter * (br - bl - tr + tl)
            let gx = half * (wr - wl), gy = half * (wb - wt)
            let gxx = wr - 2 * wc + wl, gyy = wb - 2 * wc + wt, gxy = quarter * (wbr - wbl - wtr + wtl)
            let ax = half * (fx + gx), ay = half * (fy + gy)
            let hxx = half * (fxx + gxx), hxy = half * (fxy + gxy), hyy = half * (fyy + gyy)
            let z2 = SIMD4<Float>(repeating: VariationalRefinement.zeta2)
            let ok = lanes == 4 ? load4(valid + p) : SIMD4(repeating: valid[p])
            let outs: (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>,
                       SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) =
                (ax, ay, wc - c, hxx, hxy, hyy, gx - fx, gy - fy,
                 ok / (ax * ax + ay * ay + z2), ok / (hxx * hxx + hxy * hxy + z2), ok / (hyy * hyy + hxy * hxy + z2))
            if lanes == 4 {
                store4(outs.0, ix + p); store4(outs.1, iy + p); store4(outs.2, iz + p)
                store4(outs.3, ixx + p); store4(outs.4, ixy + p); store4(outs.5, iyy + p)
                store4(outs.6, ixz + p); store4(outs.7, iyz + p)
                store4(outs.8, normC + p); store4(outs.9, normX + p); store4(outs.10, normY + p)
            } else {
                ix[p] = outs.0.x; iy[p] = outs.1.x; iz[p] = outs.2.x
                ixx[p] = outs.3.x; ixy[p] = outs.4.x; iyy[p] = outs.5.x
                ixz[p] = outs.6.x; iyz[p] = outs.7.x
                normC[p] = outs.8.x; normX[p] = outs.9.x; normY[p] = outs.10.x
            }
        }

        /// Smoothness weights alpha/2 / Charbonnier'(|grad(u + du)|^2 + |grad(v + dv)|^2) of the
        /// right and down edges of each pixel (zero where the edge leaves the picture).
        func smoothness() {
            let k = self
            let e2 = SIMD4<Float>(repeating: VariationalRefinement.epsilon2), a2 = SIMD4<Float>(repeating: alpha2)
            rows { y in
                let down: Float = y + 1 < k.h ? 1 : 0
                k.chunks { x in
                    let p = (y + 1) * k.pw + x + 1
                    let fu = load4(k.u + p) + load4(k.du + p), fv = load4(k.v + p) + load4(k.dv + p)
                    let ux = load4(k.u + p + 1) + load4(k.du + p + 1) - fu
                    let vx = load4(k.v + p + 1) + load4(k.dv + p + 1) - fv
                    let uy = load4(k.u + p + k.pw) + load4(k.du + p + k.pw) - fu
                    let vy = load4(k.v + p + k.pw) + load4(k.dv + p + k.pw) - fv
                    let index = SIMD4<Float>(Float(x), Float(x + 1), Float(x + 2), Float(x + 3))
                    let right = SIMD4<Float>(repeating: 0).replacing(with: 1, where: index .< Float(k.w - 1))
                    let s = a2 / (ux * ux * right + vx * vx * right + (uy * uy + vy * vy) * down + e2).squareRoot()
                    store4(s * right, k.wr + p)
                    store4(s * down, k.wd + p)
                }
            }
        }

        /// The 2x2 system of each pixel at the current increment: robust data weights (brightness
        /// and gradient constancy), plus the smoothness of the current flow on the right-hand side.
        func assemble() {
            let k = self
            let e2 = SIMD4<Float>(repeating: VariationalRefinement.epsilon2), z2 = SIMD4<Float>(repeating: VariationalRefinement.zeta2)
            let d2 = SIMD4<Float>(repeating: delta2), g2 = SIMD4<Float>(repeating: gamma2)
            rows { y in
                k.chunks { x in
                    let p = (y + 1) * k.pw + x + 1
                    let dU = load4(k.du + p), dV = load4(k.dv + p)
                    // Brightness constancy, normalised by |grad I|^2.
                    let gx = load4(k.ix + p), gy = load4(k.iy + p), gz = load4(k.iz + p), nc = load4(k.normC + p)
                    let res = gz + gx * dU + gy * dV
                    let wc = d2 * nc / (res * res * nc + e2).squareRoot()
                    // Gradient constancy, each component normalised by its Hessian row.
                    let hxx = load4(k.ixx + p), hxy = load4(k.ixy + p), hyy = load4(k.iyy + p)
                    let hxz = load4(k.ixz + p), hyz = load4(k.iyz + p), n1 = load4(k.normX + p), n2 = load4(k.normY + p)
                    let rx = hxz + hxx * dU + hxy * dV, ry = hyz + hxy * dU + hyy * dV
                    let wg = g2 / (rx * rx * n1 + ry * ry * n2 + e2).squareRoot()
                    let w1 = wg * n1, w2 = wg * n2
                    let m11 = z2 + wc * gx * gx + w1 * hxx * hxx + w2 * hxy * hxy
                    let m12 = wc * gx * gy + w1 * hxx * hxy + w2 * hxy * hyy
                    let m22 = z2 + wc * gy * gy + w1 * hxy * hxy + w2 * hyy * hyy
                    var r1 = -(wc * gz * gx + w1 * hxx * hxz + w2 * hxy * hyz)
                    var r2 = -(wc * gz * gy + w1 * hxy * hxz + w2 * hyy * hyz)
                    // Smoothness of the current flow (the increments' part stays in the SOR).
                    let er = load4(k.wr + p), el = load4(k.wr + p - 1), ed = load4(k.wd + p), eu = load4(k.wd + p - k.pw)
                    let uc = load4(k.u + p), vc = load4(k.v + p)
                    r1 += er * (load4(k.u + p + 1) - uc) + el * (load4(k.u + p - 1) - uc)
                        + ed * (load4(k.u + p + k.pw) - uc) + eu * (load4(k.u + p - k.pw) - uc)
                    r2 += er * (load4(k.v + p + 1) - vc) + el * (load4(k.v + p - 1) - vc)
                        + ed * (load4(k.v + p + k.pw) - vc) + eu * (load4(k.v + p - k.pw) - vc)
                    let sum = er + el + ed + eu
                    store4(m12, k.a12 + p)
                    store4(r1, k.b1 + p)
                    store4(r2, k.b2 + p)
                    store4(1 / (m11 + sum), k.d1 + p)
                    store4(1 / (m22 + sum), k.d2 + p)
                }
            }
        }

        /// Calls `body(x)` for x = 0, 4, 8, ... and a last chunk ending at the row's end (which
        /// may overlap the previous one: the passes using it are pure per-pixel functions).
        @inline(__always)
        func chunks(_ body: (Int) -> Void) {
            var x = 0
            while x + 4 <= w { body(x); x += 4 }
            if x < w { body(w - 4) }
        }

        /// One red-black SOR sweep, red (x + y even) then black, in one pass over memory.
        ///
        /// Within a stripe, black row y - 1 follows red row y (its last red neighbour), so each
        /// row is loaded once per sweep instead of twice. Black rows at stripe edges need the
        /// neighbouring stripe's red row: they run afterwards, which keeps the result exactly
        /// that of two separate half-sweeps, independent of thread timing.
        func sweep() {
            let k = self
            parallelStripes(h, stripes: denseStripes) { first, end in
                k.relaxRow(first, colour: 0)
                for y in (first + 1)..<max(end, first + 1) {
                    k.relaxRow(y, colour: 0)
                    if y - 1 > first { k.relaxRow(y - 1, colour: 1) }
                }
            }
            parallelStripes(h, stripes: denseStripes) { first, end in
                k.relaxRow(first, colour: 1)
                if end - 1 > first { k.relaxRow(end - 1, colour: 1) }
            }
        }

        /// SOR update of the pixels of row y with (x + y) % 2 == colour.
        ///
        /// Same-colour pixels do not touch each other, so a row's pixels x, x+2, x+4, x+6 are
        /// updated together: the even lanes of 8 consecutive floats (neighbours are the odd lanes
        /// of the loads shifted by one), written back without touching the other colour.
        @inline(__always)
        func relaxRow(_ y: Int, colour: Int) {
            let k = self
            let omega = VariationalRefinement.omega
            let om = SIMD4<Float>(repeating: omega)
            do {
                // x + y even for red (colour 0): the first x has the parity of y + colour.
                var x = (y + colour) & 1
                let row = (y + 1) * k.pw + 1
                // Left neighbours come from registers (the previous chunk's last odd lane):
                // re-loading them would overlap the previous store and stall store forwarding.
                var lastU = k.du[row + x - 1], lastV = k.dv[row + x - 1]
                while x + 8 <= k.w {
                    let p = row + x
                    var cu = load8(k.du + p), cv = load8(k.dv + p)
                    let ou = cu.oddHalf, ov = cv.oddHalf
                    let leftU = SIMD4<Float>(lastU, ou.x, ou.y, ou.z), leftV = SIMD4<Float>(lastV, ov.x, ov.y, ov.z)
                    lastU = ou.w
                    lastV = ov.w
                    let er = load8(k.wr + p).evenHalf, el = load8(k.wr + p - 1).evenHalf
                    let ed = load8(k.wd + p).evenHalf, eu = load8(k.wd + p - k.pw).evenHalf
                    let nu = er * ou + el * leftU + ed * load8(k.du + p + k.pw).evenHalf + eu * load8(k.du + p - k.pw).evenHalf
                    let nv = er * ov + el * leftV + ed * load8(k.dv + p + k.pw).evenHalf + eu * load8(k.dv + p - k.pw).evenHalf
                    let a12 = load8(k.a12 + p).evenHalf
                    let oldU = cu.evenHalf, oldV = cv.evenHalf
                    let newU = (load8(k.b1 + p).evenHalf + nu - a12 * oldV) * load8(k.d1 + p).evenHalf
                    let u1 = oldU + om * (newU - oldU)
                    let newV = (load8(k.b2 + p).evenHalf + nv - a12 * u1) * load8(k.d2 + p).evenHalf
                    cu.evenHalf = u1
                    cv.evenHalf = oldV + om * (newV - oldV)
                    store8(cu, k.du + p)
                    store8(cv, k.dv + p)
                    x += 8
                }
                while x < k.w {
                    let p = row + x
                    let er = k.wr[p], el = k.wr[p - 1], ed = k.wd[p], eu = k.wd[p - k.pw]
                    let nu = er * k.du[p + 1] + el * k.du[p - 1] + ed * k.du[p + k.pw] + eu * k.du[p - k.pw]
                    let nv = er * k.dv[p + 1] + el * k.dv[p - 1] + ed * k.dv[p + k.pw] + eu * k.dv[p - k.pw]
                    let newU = (k.b1[p] + nu - k.a12[p] * k.dv[p]) * k.d1[p]
                    let u1 = k.du[p] + omega * (newU - k.du[p])
                    k.du[p] = u1
                    let newV = (k.b2[p] + nv - k.a12[p] * u1) * k.d2[p]
                    k.dv[p] += omega * (newV - k.dv[p])
                    x += 2
                }
            }
        }
    }
}
