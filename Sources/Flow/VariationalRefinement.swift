import Foundation
import Graph

/// Variational refinement of a dense flow (Brox et al. 2004 energy, as in DIS section 2.3).
///
/// Minimises, for an increment (du, dv) of the flow (u, v), brightness constancy (weight
/// delta) + gradient constancy (gamma), both normalised by the local gradient and robust
/// (Charbonnier), + alpha * Charbonnier(|grad(u + du)|^2 + |grad(v + dv)|^2). One warp of I1
/// per call; each fixed-point iteration relinearises the robust weights (one fused pass) and
/// runs red-black SOR.
///
/// Layout: every per-pixel plane is stored split by colour (red: x + y even, black: odd), each
/// colour's pixels of a row contiguous, as OpenCV's refinement does. A red pixel's four
/// neighbours are black, so one colour's update reads the other colour's contiguous runs: SIMD
/// lanes are all useful and each half-sweep streams half the memory. Rows are padded (a zero
/// column on the left, zero rows above and below, zero lanes past the row's end) so that no
/// stencil needs a border branch: weights there are zero, and the SOR's padding lanes have
/// zero coefficients, so they stay zero.
///
/// Per call, the data term's constants are folded once: the normalisers are multiplied into
/// the derivatives (by their square roots), so each iteration's residuals and system entries
/// are plain products of nine planes.
final class VariationalRefinement {
    private static let zeta2: Float = 0.01        // normaliser floor (zeta = 0.1 in 0...255 units)
    private static let epsilon2: Float = 1e-6     // Charbonnier epsilon squared
    private static let omega: Float = 1.6         // SOR over-relaxation

    typealias V = SIMD8<Float>
    static let lanes = 8

    // Split planes: 2 colours x (h + 2) rows x cw.
    private let u = Plane(), v = Plane(), du = Plane(), dv = Plane()
    private let bx = Plane(), by = Plane(), bz = Plane(), px = Plane(), py = Plane(), pz = Plane()
    private let qx = Plane(), qy = Plane(), qz = Plane()
    private let a12 = Plane(), b1 = Plane(), b2 = Plane(), d1 = Plane(), d2 = Plane()
    private let weightRight = Plane(), weightDown = Plane()
    // Natural (w x h) planes.
    private let warped = Plane(), valid = Plane()

    private var split: [Plane] {
        [u, v, du, dv, bx, by, bz, px, py, pz, qx, qy, qz, a12, b1, b2, d1, d2, weightRight, weightDown]
    }

    /// Refines (flowU, flowV) (w x h each, in place) between I0 and I1 (w x h, 0...255).
    func refine(i0: UnsafePointer<Float>, i1: UnsafePointer<Float>, flowU: UnsafeMutablePointer<Float>,
                flowV: UnsafeMutablePointer<Float>, width w: Int, height h: Int, parameters p: FlowParameters,
                iterations: Int) {
        guard iterations > 0, w >= 6, h >= 3 else { return }
        let cw = ((w + 1) / 2 + Self.lanes - 1) / Self.lanes * Self.lanes + 2 * Self.lanes
        let cs = (h + 2) * cw, n = 2 * cs
        for plane in split { plane.reserve(n) }
        for plane in [warped, valid] { plane.reserve(w * h) }
        let k = Kernel(planes: self, width: w, height: h, cw: cw, cs: cs, parameters: p)
        k.clearPadding()
        k.warp(i1, flowU, flowV)
        k.prepare(i0, flowU, flowV)
        for _ in 0..<iterations {
            k.linearise()
            for _ in 0..<p.sorIterations { k.sweep() }
        }
        k.output(flowU, flowV)
    }

    /// The per-pixel passes, holding raw pointers so that they can run on several threads.
    private struct Kernel: @unchecked Sendable {
        let u, v, du, dv, bx, by, bz, px, py, pz, qx, qy, qz: UnsafeMutablePointer<Float>
        let a12, b1, b2, d1, d2, wr, wd, warped, valid: UnsafeMutablePointer<Float>
        /// Picture size; colour row stride and colour plane size.
        let w, h, cw, cs: Int
        let alpha2, gamma2, delta2: Float
        /// Row stripes of the parallel passes (the results do not depend on it).
        let stripes: Int

        init(planes s: VariationalRefinement, width: Int, height: Int, cw: Int, cs: Int, parameters p: FlowParameters) {
            u = s.u.pointer; v = s.v.pointer; du = s.du.pointer; dv = s.dv.pointer
            bx = s.bx.pointer; by = s.by.pointer; bz = s.bz.pointer
            px = s.px.pointer; py = s.py.pointer; pz = s.pz.pointer
            qx = s.qx.pointer; qy = s.qy.pointer; qz = s.qz.pointer
            a12 = s.a12.pointer; b1 = s.b1.pointer; b2 = s.b2.pointer; d1 = s.d1.pointer; d2 = s.d2.pointer
            wr = s.weightRight.pointer; wd = s.weightDown.pointer
            warped = s.warped.pointer; valid = s.valid.pointer
            w = width; h = height; self.cw = cw; self.cs = cs
            alpha2 = p.alpha / 2; gamma2 = p.gamma / 2; delta2 = p.delta / 2
            stripes = refinementStripes(pixels: width * height, rows: height)
        }

        /// Index of (colour 0, row y, j = 0) in a split plane; colour 1 is `cs` further.
        @inline(__always) func rowBase(_ y: Int) -> Int { (y + 1) * cw + 1 }

        /// Offset of colour c's first pixel in row y (0 or 1).
        @inline(__always) func offset(_ y: Int, _ c: Int) -> Int { (y + c) & 1 }

        /// Lanes per colour row that the passes touch (a whole number of vectors).
        @inline(__always) func span(_ y: Int, _ c: Int) -> Int {
            let real = (w - offset(y, c) + 1) / 2
            return (real + lanes - 1) / lanes * lanes
        }

        /// Rows in parallel stripes.
        func rows(_ body: @escaping @Sendable (Int) -> Void) {
            parallelStripes(h, stripes: stripes) { first, end in
                for y in first..<end { body(y) }
            }
        }

        /// Zero increments, and zero weights on the padding rows and the left padding column
        /// (the only padding positions that real pixels read weights from).
        func clearPadding() {
            du.update(repeating: 0, count: 2 * cs)
            dv.update(repeating: 0, count: 2 * cs)
            for c in 0..<2 {
                for plane in [wr, wd] {
                    (plane + c * cs).update(repeating: 0, count: cw)
                    (plane + c * cs + (h + 1) * cw).update(repeating: 0, count: cw)
                    for y in 1...h { plane[c * cs + y * cw] = 0 }
                }
            }
        }

        /// Writes a natural row (w floats) into row y of a split plane.
        @inline(__always)
        func scatter(_ src: UnsafePointer<Float>, row y: Int, into plane: UnsafeMutablePointer<Float>) {
            let even = y & 1, base = rowBase(y)
            let e = plane + even * cs + base, o = plane + (1 - even) * cs + base
            var x = 0
            while x + 8 <= w {
                let s = load8(src + x)
                store4(s.evenHalf, e + x / 2)
                store4(s.oddHalf, o + x / 2)
                x += 8
            }
            while x < w {
                (x & 1 == 0 ? e : o)[x >> 1] = src[x]
                x += 1
            }
        }

        /// warped = I1(x + u, y + v); valid = 1 where that lands inside the picture.
        func warp(_ i1: UnsafePointer<Float>, _ flowU: UnsafePointer<Float>, _ flowV: UnsafePointer<Float>) {
            nonisolated(unsafe) let src = i1, fu = flowU, fv = flowV
            let k = self
            rows { y in
                let wm = Float(k.w - 1), hm = Float(k.h - 1), fy = Float(y)
                for x in 0..<k.w {
                    let i = y * k.w + x
                    let sx = Float(x) + fu[i], sy = fy + fv[i]
                    if sx >= 0 && sy >= 0 && sx < wm && sy < hm {
                        let ix = Int(sx), iy = Int(sy), ax = sx - Float(ix), ay = sy - Float(iy)
                        let r0 = src + iy * k.w + ix, r1 = r0 + k.w
                        let top = r0[0] + ax * (r0[1] - r0[0]), bottom = r1[0] + ax * (r1[1] - r1[0])
                        k.warped[i] = top + ay * (bottom - top)
                        k.valid[i] = 1
                    } else {
                        k.warped[i] = bilinear(src, k.w, k.h, sx, sy)
                        k.valid[i] = (sx >= 0 && sx <= wm && sy >= 0 && sy <= hm) ? 1 : 0
                    }
                }
            }
        }

        /// The flow (split) and the data term's derivatives: averaged derivatives of I0 and the
        /// warped I1 (Brox), central differences, clamped border, premultiplied by the square
        /// roots of their normalisers.
        func prepare(_ i0: UnsafePointer<Float>, _ flowU: UnsafePointer<Float>, _ flowV: UnsafePointer<Float>) {
            nonisolated(unsafe) let src = i0, fu = flowU, fv = flowV
            let k = self
            parallelStripes(h, stripes: stripes) { first, end in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 9 * k.w) { buffer in
                    let t = buffer.baseAddress!
                    for y in first..<end {
                        k.scatter(fu + y * k.w, row: y, into: k.u)
                        k.scatter(fv + y * k.w, row: y, into: k.v)
                        let ym = max(y - 1, 0), yp = min(y + 1, k.h - 1)
                        k.derivative(src, y, ym, yp, 0, t)
                        k.derivative(src, y, ym, yp, k.w - 1, t)
                        var x = 1
                        while x < k.w - 1 {
                            k.derivative4(src, y, ym, yp, min(x, k.w - 5), t)
                            x += 4
                        }
                        for (i, plane) in [k.bx, k.by, k.bz, k.px, k.py, k.pz, k.qx, k.qy, k.qz].enumerated() {
                            k.scatter(t + i * k.w, row: y, into: plane)
                        }
                    }
                }
            }
        }

        /// Derivatives at one pixel (any column), into the row buffers t.
        @inline(__always)
        func derivative(_ src: UnsafePointer<Float>, _ y: Int, _ ym: Int, _ yp: Int, _ x: Int, _ t: UnsafeMutablePointer<Float>) {
            let xm = max(x - 1, 0), xp = min(x + 1, w - 1)
            func s(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD4<Float> { SIMD4(repeating: p[i]) }
            let g = UnsafePointer(warped)
            derivativeStore(s(src, y * w + x), s(src, y * w + xm), s(src, y * w + xp), s(src, ym * w + x), s(src, yp * w + x),
                            s(src, ym * w + xm), s(src, ym * w + xp), s(src, yp * w + xm), s(src, yp * w + xp),
                            s(g, y * w + x), s(g, y * w + xm), s(g, y * w + xp), s(g, ym * w + x), s(g, yp * w + x),
                            s(g, ym * w + xm), s(g, ym * w + xp), s(g, yp * w + xm), s(g, yp * w + xp),
                            s(valid, y * w + x), t, x, lanes: 1)
        }

        /// Derivatives at four interior pixels x..x+3 (1 <= x, x + 4 <= w - 1).
        @inline(__always)
        func derivative4(_ src: UnsafePointer<Float>, _ y: Int, _ ym: Int, _ yp: Int, _ x: Int, _ t: UnsafeMutablePointer<Float>) {
            let rc = src + y * w + x, rt = src + ym * w + x, rb = src + yp * w + x
            let g = UnsafePointer(warped)
            let gc = g + y * w + x, gt = g + ym * w + x, gb = g + yp * w + x
            derivativeStore(load4(rc), load4(rc - 1), load4(rc + 1), load4(rt), load4(rb),
                            load4(rt - 1), load4(rt + 1), load4(rb - 1), load4(rb + 1),
                            load4(gc), load4(gc - 1), load4(gc + 1), load4(gt), load4(gb),
                            load4(gt - 1), load4(gt + 1), load4(gb - 1), load4(gb + 1),
                            load4(valid + y * w + x), t, x, lanes: 4)
        }

        /// The nine data-term planes from a 3x3 neighbourhood of I0 (c, l, r, t, b and corners)
        /// and of the warped I1 (w...), for `lanes` pixels starting at column x.
        @inline(__always)
        func derivativeStore(_ c: SIMD4<Float>, _ l: SIMD4<Float>, _ r: SIMD4<Float>, _ t: SIMD4<Float>, _ b: SIMD4<Float>,
                             _ tl: SIMD4<Float>, _ tr: SIMD4<Float>, _ bl: SIMD4<Float>, _ br: SIMD4<Float>,
                             _ wc: SIMD4<Float>, _ wl: SIMD4<Float>, _ wr: SIMD4<Float>, _ wt: SIMD4<Float>, _ wb: SIMD4<Float>,
                             _ wtl: SIMD4<Float>, _ wtr: SIMD4<Float>, _ wbl: SIMD4<Float>, _ wbr: SIMD4<Float>,
                             _ ok: SIMD4<Float>, _ out: UnsafeMutablePointer<Float>, _ x: Int, lanes: Int) {
            let half: Float = 0.5, quarter: Float = 0.25
            let fx = half * (r - l), fy = half * (b - t)
            let fxx = r - 2 * c + l, fyy = b - 2 * c + t, fxy = quarter * (br - bl - tr + tl)
            let gx = half * (wr - wl), gy = half * (wb - wt)
            let gxx = wr - 2 * wc + wl, gyy = wb - 2 * wc + wt, gxy = quarter * (wbr - wbl - wtr + wtl)
            let ax = half * (fx + gx), ay = half * (fy + gy)
            let hxx = half * (fxx + gxx), hxy = half * (fxy + gxy), hyy = half * (fyy + gyy)
            let z2 = SIMD4<Float>(repeating: VariationalRefinement.zeta2)
            // Square roots of the normalisers (brightness; gradient x and y rows), zero where
            // the warp left the picture.
            let s0 = ok * rsqrt(ax * ax + ay * ay + z2)
            let s1 = ok * rsqrt(hxx * hxx + hxy * hxy + z2)
            let s2 = ok * rsqrt(hyy * hyy + hxy * hxy + z2)
            let o = out + x, w = self.w
            @inline(__always) func put(_ v: SIMD4<Float>, _ i: Int) {
                if lanes == 4 { store4(v, o + i * w) } else { o[i * w] = v.x }
            }
            put(s0 * ax, 0); put(s0 * ay, 1); put(s0 * (wc - c), 2)
            put(s1 * hxx, 3); put(s1 * hxy, 4); put(s1 * (gx - fx), 5)
            put(s2 * hxy, 6); put(s2 * hyy, 7); put(s2 * (gy - fy), 8)
        }

        /// One colour-row's lane positions as floats (x = 2j + offset), for the edge masks.
        @inline(__always)
        func columns(_ j: Int, _ off: Int) -> V {
            V(0, 2, 4, 6, 8, 10, 12, 14) + V(repeating: Float(2 * j + off))
        }

        /// Smoothness weights alpha/2 / Charbonnier'(|grad(u + du)|^2 + |grad(v + dv)|^2) of the
        /// right and down edges of row y's pixels (zero where the edge leaves the picture), both
        /// colours, written at `right`/`down` (colour 0's j = 0; colour 1 is `stride` further).
        @inline(__always)
        func smoothRow(_ y: Int, right: UnsafeMutablePointer<Float>, down: UnsafeMutablePointer<Float>, stride: Int) {
            let e2 = V(repeating: VariationalRefinement.epsilon2), a2 = V(repeating: alpha2)
            let zero = V(repeating: 0), one = V(repeating: 1)
            let md = V(repeating: y + 1 < h ? 1 : 0)
            let lastX = V(repeating: Float(w - 1)), width = V(repeating: Float(w))
            let base = rowBase(y)
            for c in 0..<2 {
                let off = offset(y, c), span = span(y, c)
                let me = c * cs + base, other = (1 - c) * cs + base
                var j = 0
                while j < span {
                    let p = me + j, r = other + off + j, d = other + cw + j
                    let fu = loadV(u + p) + loadV(du + p), fv = loadV(v + p) + loadV(dv + p)
                    let ux = loadV(u + r) + loadV(du + r) - fu, vx = loadV(v + r) + loadV(dv + r) - fv
                    let uy = loadV(u + d) + loadV(du + d) - fu, vy = loadV(v + d) + loadV(dv + d) - fv
                    let xs = columns(j, off)
                    let mr = zero.replacing(with: one, where: xs .< lastX)
                    let mv = zero.replacing(with: md, where: xs .< width)
                    let s = a2 * rsqrt((ux * ux + vx * vx) * mr + (uy * uy + vy * vy) * md + e2)
                    storeV(s * mr, right + c * stride + j)
                    storeV(s * mv, down + c * stride + j)
                    j += lanes
                }
            }
        }

        /// The 2x2 system of each pixel of row y at the current increment: robust data weights
        /// (brightness and gradient constancy), plus the smoothness of the current flow on the
        /// right-hand side. `up` holds row y - 1's down weights (colour 0's j = 0; colour 1 is
        /// `upStride` further).
        @inline(__always)
        func assembleRow(_ y: Int, up: UnsafePointer<Float>, upStride: Int) {
            let e2 = V(repeating: VariationalRefinement.epsilon2), z2 = V(repeating: VariationalRefinement.zeta2)
            let dl = V(repeating: delta2), gm = V(repeating: gamma2)
            let zero = V(repeating: 0), width = V(repeating: Float(w))
            let base = rowBase(y)
            for c in 0..<2 {
                let off = offset(y, c), span = span(y, c)
                let me = c * cs + base, other = (1 - c) * cs + base
                let upRow = up + (1 - c) * upStride
                var j = 0
                while j < span {
                    let p = me + j, r = other + off + j, l = r - 1, d = other + cw + j, t = other - cw + j
                    let dU = loadV(du + p), dV = loadV(dv + p)
                    let gx = loadV(bx + p), gy = loadV(by + p), gz = loadV(bz + p)
                    let res = gz + gx * dU + gy * dV
                    let wc = dl * rsqrt(res * res + e2)
                    let hx = loadV(px + p), hy = loadV(py + p), hz = loadV(pz + p)
                    let kx = loadV(qx + p), ky = loadV(qy + p), kz = loadV(qz + p)
                    let rx = hz + hx * dU + hy * dV, ry = kz + kx * dU + ky * dV
                    let wg = gm * rsqrt(rx * rx + ry * ry + e2)
                    let m11 = z2 + wc * gx * gx + wg * (hx * hx + kx * kx)
                    let m12 = wc * gx * gy + wg * (hx * hy + kx * ky)
                    let m22 = z2 + wc * gy * gy + wg * (hy * hy + ky * ky)
                    var r1 = -(wc * gz * gx + wg * (hx * hz + kx * kz))
                    var r2 = -(wc * gz * gy + wg * (hy * hz + ky * kz))
                    // Smoothness of the current flow (the increments' part stays in the SOR).
                    let er = loadV(wr + p), el = loadV(wr + l), ed = loadV(wd + p), eu = loadV(upRow + j)
                    let uc = loadV(u + p), vc = loadV(v + p)
                    r1 += er * (loadV(u + r) - uc) + el * (loadV(u + l) - uc) + ed * (loadV(u + d) - uc) + eu * (loadV(u + t) - uc)
                    r2 += er * (loadV(v + r) - vc) + el * (loadV(v + l) - vc) + ed * (loadV(v + d) - vc) + eu * (loadV(v + t) - vc)
                    let sum = er + el + ed + eu
                    // Padding lanes get zero diagonals, so that the SOR keeps them at zero.
                    let real = columns(j, off) .< width
                    storeV(m12, a12 + p)
                    storeV(r1, b1 + p)
                    storeV(r2, b2 + p)
                    storeV((1 / (m11 + sum)).replacing(with: zero, where: .!real), d1 + p)
                    storeV((1 / (m22 + sum)).replacing(with: zero, where: .!real), d2 + p)
                    j += lanes
                }
            }
        }

        /// Relinearisation: smoothness weights and the 2x2 systems, in one pass over the rows.
        /// A stripe computes its first row's upper neighbour's weights itself (into a row
        /// buffer), so stripes need no synchronisation.
        func linearise() {
            let k = self
            parallelStripes(h, stripes: stripes) { first, end in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * k.cw) { buffer in
                    let t = buffer.baseAddress!
                    if first > 0 {
                        k.smoothRow(first - 1, right: t, down: t + 2 * k.cw, stride: k.cw)
                    }
                    for y in first..<end {
                        k.smoothRow(y, right: k.wr + k.rowBase(y), down: k.wd + k.rowBase(y), stride: k.cs)
                        if y == first && first > 0 {
                            k.assembleRow(y, up: t + 2 * k.cw, upStride: k.cw)
                        } else {
                            k.assembleRow(y, up: k.wd + k.rowBase(y - 1), upStride: k.cs)
                        }
                    }
                }
            }
        }

        /// One red-black SOR sweep, red (colour 0) then black, in one pass over memory.
        ///
        /// Within a stripe, black row y - 1 follows red row y (its last red neighbour), so each
        /// row is loaded once per sweep. Black rows at stripe edges need the neighbouring
        /// stripe's red row: they run afterwards, which keeps the result exactly that of two
        /// separate half-sweeps, independent of the stripes and of thread timing.
        func sweep() {
            let k = self
            let size = (h + stripes - 1) / stripes
            parallelStripes(h, stripes: stripes) { first, end in
                k.relaxRow(first, colour: 0)
                for y in (first + 1)..<max(end, first + 1) {
                    k.relaxRow(y, colour: 0)
                    if y - 1 > first { k.relaxRow(y - 1, colour: 1) }
                }
            }
            var first = 0
            while first < h {
                let end = min(h, first + size)
                relaxRow(first, colour: 1)
                if end - 1 > first { relaxRow(end - 1, colour: 1) }
                first = end
            }
        }

        /// SOR update of row y's pixels of one colour (padding lanes included: they stay zero).
        @inline(__always)
        func relaxRow(_ y: Int, colour c: Int) {
            let om = V(repeating: VariationalRefinement.omega)
            let off = offset(y, c), span = span(y, c), base = rowBase(y)
            let me = c * cs + base, other = (1 - c) * cs + base
            var j = 0
            while j < span {
                let p = me + j, r = other + off + j, l = r - 1, d = other + cw + j, t = other - cw + j
                let er = loadV(wr + p), el = loadV(wr + l), ed = loadV(wd + p), eu = loadV(wd + t)
                let nu = er * loadV(du + r) + el * loadV(du + l) + ed * loadV(du + d) + eu * loadV(du + t)
                let nv = er * loadV(dv + r) + el * loadV(dv + l) + ed * loadV(dv + d) + eu * loadV(dv + t)
                let cu = loadV(du + p), cv = loadV(dv + p), m12 = loadV(a12 + p)
                let newU = (loadV(b1 + p) + nu - m12 * cv) * loadV(d1 + p)
                let u1 = cu + om * (newU - cu)
                let newV = (loadV(b2 + p) + nv - m12 * u1) * loadV(d2 + p)
                storeV(u1, du + p)
                storeV(cv + om * (newV - cv), dv + p)
                j += lanes
            }
        }

        /// flow = u + du, back to the natural layout.
        func output(_ flowU: UnsafeMutablePointer<Float>, _ flowV: UnsafeMutablePointer<Float>) {
            nonisolated(unsafe) let fu = flowU, fv = flowV
            let k = self
            rows { y in
                let even = y & 1, base = k.rowBase(y)
                let e = even * k.cs + base, o = (1 - even) * k.cs + base
                for (dst, a, b) in [(fu, k.u, k.du), (fv, k.v, k.dv)] {
                    let row = dst + y * k.w
                    var x = 0
                    while x + 8 <= k.w {
                        var s = SIMD8<Float>()
                        s.evenHalf = load4(a + e + x / 2) + load4(b + e + x / 2)
                        s.oddHalf = load4(a + o + x / 2) + load4(b + o + x / 2)
                        store8(s, row + x)
                        x += 8
                    }
                    while x < k.w {
                        let q = (x & 1 == 0 ? e : o) + (x >> 1)
                        row[x] = a[q] + b[q]
                        x += 1
                    }
                }
            }
        }
    }
}

/// Stripes for the refinement's passes: one below ~32k pixels (where waking threads costs more
/// than the work), else one per core (up to 8). Results do not depend on it.
func refinementStripes(pixels: Int, rows: Int) -> Int {
    guard pixels >= 32_768 else { return 1 }
    return max(1, min(rows / 8, min(8, activeCores)))
}

let activeCores = ProcessInfo.processInfo.activeProcessorCount

/// 1 / sqrt(x) for x > 0, relative error < 1e-6: a bit-level first guess and Newton steps, all
/// in vector registers. (Swift's `squareRoot()` on SIMD vectors is a scalar loop with an errno
/// check per lane on Linux; an explicit sqrt instruction would need -march or intrinsics.)
@inline(__always)
func rsqrt<V: SIMD>(_ x: V) -> V where V.Scalar == Float {
    // MaskStorage is the same-width Int32 vector (SIMD8<Int32> for SIMD8<Float>).
    let bits = unsafeBitCast(x, to: V.MaskStorage.self)
    var y = unsafeBitCast(V.MaskStorage(repeating: 0x5f37_5a86) &- (bits &>> 1), to: V.self)
    let half = 0.5 * x, threeHalves = V(repeating: 1.5)
    y = y * (threeHalves - half * y * y)
    y = y * (threeHalves - half * y * y)
    y = y * (threeHalves - half * y * y)
    return y
}

@inline(__always)
func loadV(_ p: UnsafePointer<Float>) -> VariationalRefinement.V {
    UnsafeRawPointer(p).loadUnaligned(as: VariationalRefinement.V.self)
}

@inline(__always)
func storeV(_ v: VariationalRefinement.V, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: VariationalRefinement.V.self)
}
