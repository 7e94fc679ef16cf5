import COpenBLAS
import Dispatch
import Foundation

/// Activations of one window's slices: (n, c, h, w) row-major floats, as PyTorch's NCHW.
struct Tensor: Sendable {
    var n: Int
    var c: Int
    var h: Int
    var w: Int
    var data: [Float]

    init(n: Int, c: Int, h: Int, w: Int, data: [Float]) {
        precondition(data.count == n * c * h * w, "Tensor: \(data.count) floats for (\(n), \(c), \(h), \(w))")
        self.n = n; self.c = c; self.h = h; self.w = w
        self.data = data
    }

    init(n: Int, c: Int, h: Int, w: Int) {
        self.init(n: n, c: c, h: h, w: w, data: [Float](repeating: 0, count: n * c * h * w))
    }

    var plane: Int { h * w }
    var sliceSize: Int { c * h * w }
}

/// A raw pointer that may cross into `concurrentPerform`: each stripe writes its own disjoint range.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}

/// The numerical kernels of the prior (whisper.cpp/ggml style: plain loops and sgemm on
/// contiguous buffers). Every unsafe pointer of the engine lives in this file.
///
/// Work is split over *slices* (or rows) in fixed stripes: each slice's arithmetic is the same
/// whichever thread runs it, so results do not depend on the thread count.
enum Kernels {
    /// Runs `body(first, end)` over `count` items in at most `threads` contiguous stripes.
    static func stripes(_ count: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void) {
        let n = max(1, min(threads, count))
        if n == 1 { body(0, count); return }
        let size = (count + n - 1) / n
        DispatchQueue.concurrentPerform(iterations: n) { s in
            let first = s * size, end = min(count, first + size)
            if first < end { body(first, end) }
        }
    }

    /// Conv2d with square kernel `k` (1 or odd), padding k/2, `stride`; weight (cout, cin, k, k).
    /// im2col + one sgemm per slice; bias preloaded into the output.
    static func conv2d(_ x: Tensor, weight: [Float], bias: [Float], cout: Int, k: Int, stride: Int, threads: Int) -> Tensor {
        let pad = k / 2
        let ho = (x.h + 2 * pad - k) / stride + 1, wo = (x.w + 2 * pad - k) / stride + 1
        let cin = x.c, hi = x.h, wi = x.w
        let rows = cin * k * k, cols = ho * wo
        precondition(weight.count == cout * rows && bias.count == cout, "conv2d: weight \(weight.count) / bias \(bias.count) for \(cout)x\(cin)x\(k)x\(k)")
        // Every element is written (bias, then sgemm accumulates; im2col fills every row).
        var out = [Float](unsafeUninitializedCapacity: x.n * cout * cols) { _, n in n = x.n * cout * cols }
        let direct = k == 1 && stride == 1
        out.withUnsafeMutableBufferPointer { ob in
            let o = SharedPointer(base: ob.baseAddress!)
            stripes(x.n, threads: threads) { first, end in
                var col = [Float](unsafeUninitializedCapacity: direct ? 0 : rows * cols) { _, n in n = direct ? 0 : rows * cols }
                x.data.withUnsafeBufferPointer { xb in
                    weight.withUnsafeBufferPointer { wb in
                        col.withUnsafeMutableBufferPointer { cb in
                            for s in first..<end {
                                let src = xb.baseAddress! + s * cin * hi * wi
                                let dst = o.base + s * cout * cols
                                for co in 0..<cout { (dst + co * cols).update(repeating: bias[co], count: cols) }
                                let colPtr: UnsafePointer<Float>
                                if direct {
                                    colPtr = src
                                } else {
                                    let c = cb.baseAddress!
                                    if stride == 1 && wo == wi && ho == hi {
                                        im2colSame(src, c, channels: cin, height: hi, width: wi, k: k)
                                    } else {
                                        im2colStrided(src, c, channels: cin, height: hi, width: wi, k: k, stride: stride)
                                    }
                                    colPtr = UnsafePointer(c)
                                }
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(cols), Int32(rows),
                                            1, wb.baseAddress!, Int32(rows), colPtr, Int32(cols), 1, dst, Int32(cols))
                            }
                        }
                    }
                }
            }
        }
        return Tensor(n: x.n, c: cout, h: ho, w: wo, data: out)
    }

    /// im2col of any stride (padding k/2): row (ci, ky, kx) holds x[ci, oy s + ky - pad, ox s + kx - pad], 0 outside.
    static func im2colStrided(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, channels: Int,
                              height: Int, width: Int, k: Int, stride: Int) {
        let pad = k / 2
        let ho = (height + 2 * pad - k) / stride + 1, wo = (width + 2 * pad - k) / stride + 1
        for ci in 0..<channels {
            for ky in 0..<k {
                for kx in 0..<k {
                    let row = col + ((ci * k + ky) * k + kx) * ho * wo
                    // Output columns whose input column is inside the picture.
                    let lo = min(wo, max(0, (pad - kx + stride - 1) / stride))
                    let end = max(lo, min(wo, (width - 1 + pad - kx) / stride + 1))
                    for oy in 0..<ho {
                        let iy = oy * stride + ky - pad
                        let r = row + oy * wo
                        guard iy >= 0 && iy < height else { r.update(repeating: 0, count: wo); continue }
                        if lo > 0 { r.update(repeating: 0, count: lo) }
                        if end < wo { (r + end).update(repeating: 0, count: wo - end) }
                        let line = src + (ci * height + iy) * width + lo * stride + kx - pad
                        for ox in 0..<(end - lo) { r[lo + ox] = line[ox * stride] }
                    }
                }
            }
        }
    }

    /// im2col of a stride-1 "same" convolution (k odd, padding k/2): each (channel, ky, kx) row of
    /// the column matrix is the plane shifted by (ky - pad) rows and (kx - pad) columns, so it is
    /// one contiguous copy of the plane, then the rows and columns that fell outside zeroed.
    static func im2colSame(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, channels: Int,
                           height h: Int, width w: Int, k: Int) {
        let pad = k / 2, plane = h * w
        for ci in 0..<channels {
            let x = src + ci * plane
            for ky in 0..<k {
                let dy = ky - pad
                let y0 = max(0, -dy), y1 = min(h, h - dy)          // output rows with a source row
                for kx in 0..<k {
                    let dx = kx - pad
                    let row = col + ((ci * k + ky) * k + kx) * plane
                    guard y1 > y0 else { row.update(repeating: 0, count: plane); continue }
                    if y0 > 0 { row.update(repeating: 0, count: y0 * w) }
                    if y1 < h { (row + y1 * w).update(repeating: 0, count: (h - y1) * w) }
                    // dst[y w + x] = src[(y + dy) w + x + dx] over the valid rows, as one span.
                    var first = y0 * w, count = (y1 - y0) * w
                    if dx < 0 { first -= dx; count += dx } else { count -= dx }
                    (row + first).update(from: x + first + dy * w + dx, count: count)
                    // Columns whose source column is outside the plane wrapped into a neighbour row: zero them.
                    if dx != 0 {
                        for y in y0..<y1 {
                            let r = row + y * w
                            if dx < 0 { for xx in 0..<(-dx) { r[xx] = 0 } } else { for xx in (w - dx)..<w { r[xx] = 0 } }
                        }
                    }
                }
            }
        }
    }

    /// GroupNorm (eps 1e-5, biased variance, per slice and group) with affine, then SiLU if asked.
    static func groupNorm(_ x: Tensor, gamma: [Float], beta: [Float], groups: Int, silu: Bool, eps: Float = 1e-5) -> Tensor {
        precondition(x.c % groups == 0 && gamma.count == x.c && beta.count == x.c, "groupNorm: \(x.c) channels, \(groups) groups")
        var out = [Float](unsafeUninitializedCapacity: x.data.count) { _, n in n = x.data.count }
        let cpg = x.c / groups, plane = x.plane
        x.data.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                for s in 0..<x.n {
                    for g in 0..<groups {
                        let start = s * x.sliceSize + g * cpg * plane, count = cpg * plane
                        let (meanF, inv) = moments(xb.baseAddress! + start, count: count, eps: eps)
                        let mean = Double(meanF)
                        for cc in 0..<cpg {
                            let ch = g * cpg + cc
                            let a = Float(inv) * gamma[ch], b = beta[ch] - Float(mean) * a
                            let base = start + cc * plane
                            affine(xb.baseAddress! + base, ob.baseAddress! + base, count: plane, a: a, b: b, silu: silu)
                        }
                    }
                }
            }
        }
        return Tensor(n: x.n, c: x.c, h: x.h, w: x.w, data: out)
    }

    /// Mean and 1 / sqrt(biased variance + eps) of `count` floats (two passes, 8 lanes, Double combine).
    @inline(__always)
    static func moments(_ p: UnsafePointer<Float>, count: Int, eps: Float) -> (Float, Double) {
        let raw = UnsafeRawPointer(p)
        let n8 = count / 8
        var acc = SIMD8<Float>.zero
        for i in 0..<n8 { acc += raw.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self) }
        var sum = 0.0
        for l in 0..<8 { sum += Double(acc[l]) }
        for i in (8 * n8)..<count { sum += Double(p[i]) }
        let mean = Float(sum / Double(count))
        var sq = SIMD8<Float>.zero
        let m = SIMD8<Float>(repeating: mean)
        for i in 0..<n8 {
            let dv = raw.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self) - m
            sq += dv * dv
        }
        var ss = 0.0
        for l in 0..<8 { ss += Double(sq[l]) }
        for i in (8 * n8)..<count { let dv = Double(p[i] - mean); ss += dv * dv }
        return (mean, 1 / (ss / Double(count) + Double(eps)).squareRoot())
    }

    /// SiLU, x * sigmoid(x), elementwise.
    static func silu(_ v: [Float]) -> [Float] { v.map { $0 / (1 + expf(-$0)) } }

    /// exp of 8 floats (Cephes expf: 2^n times a degree-6 polynomial on [-ln2/2, ln2/2]; within
    /// 2 ulp of expf over the clamped range [-87.3, 88.7]).
    @inline(__always)
    static func exp8(_ x0: SIMD8<Float>) -> SIMD8<Float> {
        var x = x0
        x.replace(with: SIMD8(repeating: 88.7), where: x .> 88.7)
        x.replace(with: SIMD8(repeating: -87.3), where: x .< -87.3)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick: its low mantissa bits hold n as an integer.
        let magic = SIMD8<Float>(repeating: 12582912)
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// out[i] = silu(a * x[i] + b) (or without the SiLU) for `count` floats, 8 at a time.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, a: Float, b: Float, silu: Bool) {
        let n8 = count / 8
        let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(out)
        for i in 0..<n8 {
            let v = src.loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self) * a + b
            let y = silu ? v / (1 + exp8(-v)) : v
            dst.storeBytes(of: y, toByteOffset: 32 * i, as: SIMD8<Float>.self)
        }
        for i in (8 * n8)..<count {
            let v = x[i] * a + b
            out[i] = silu ? v / (1 + expf(-v)) : v
        }
    }

    /// LayerNorm over the last `width` values of each of `rows` rows (eps 1e-5), with affine.
    static func layerNorm(_ x: [Float], rows: Int, width: Int, gamma: [Float], beta: [Float], eps: Float = 1e-5) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                for r in 0..<rows {
                    let base = r * width
                    var sum = 0.0
                    for i in 0..<width { sum += Double(xb[base + i]) }
                    let mean = sum / Double(width)
                    var sq = 0.0
                    for i in 0..<width { let d = Double(xb[base + i]) - mean; sq += d * d }
                    let inv = Float(1 / (sq / Double(width) + Double(eps)).squareRoot())
                    let m = Float(mean)
                    for i in 0..<width { ob[base + i] = (xb[base + i] - m) * inv * gamma[i] + beta[i] }
                }
            }
        }
        return out
    }

    /// y (rows, outF) = x (rows, inF) W^T + b, W (outF, inF) as nn.Linear stores it.
    static func linear(_ x: [Float], rows: Int, weight: [Float], bias: [Float], inF: Int, outF: Int) -> [Float] {
        precondition(x.count == rows * inF && weight.count == outF * inF && bias.count == outF, "linear: \(rows)x\(inF) -> \(outF)")
        var y = [Float](repeating: 0, count: rows * outF)
        for r in 0..<rows { for o in 0..<outF { y[r * outF + o] = bias[o] } }
        x.withUnsafeBufferPointer { xb in
            weight.withUnsafeBufferPointer { wb in
                y.withUnsafeMutableBufferPointer { yb in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outF), Int32(inF),
                                1, xb.baseAddress!, Int32(inF), wb.baseAddress!, Int32(inF), 1, yb.baseAddress!, Int32(outF))
                }
            }
        }
        return y
    }

    /// Scaled dot-product attention of nn.MultiheadAttention after its input projection.
    /// qkv (batch * L, 3C) rows [q | k | v]; returns (batch * L, C), heads concatenated.
    static func attention(qkv: [Float], batch: Int, length L: Int, channels C: Int, heads: Int) -> [Float] {
        let d = C / heads
        precondition(d % 4 == 0, "attention: head width \(d) is not a multiple of 4")
        let d4 = d / 4
        let scale = 1 / Float(d).squareRoot()
        var out = [Float](repeating: 0, count: batch * L * C)
        let scratch = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: 2 * d4)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: L)
        defer { scratch.deallocate(); scores.deallocate() }
        let q = scratch, acc = scratch + d4
        qkv.withUnsafeBufferPointer { qb in
            out.withUnsafeMutableBufferPointer { ob in
                let raw = UnsafeRawPointer(qb.baseAddress!)
                let orow = UnsafeMutableRawPointer(ob.baseAddress!)
                for b in 0..<batch {
                    let rows = b * L * 3 * C
                    for hd in 0..<heads {
                        for i in 0..<L {
                            let qp = raw + (rows + i * 3 * C + hd * d) * 4
                            for e in 0..<d4 { q[e] = qp.loadUnaligned(fromByteOffset: 16 * e, as: SIMD4<Float>.self) * scale }
                            var maxScore = -Float.infinity
                            for j in 0..<L {
                                let kp = raw + (rows + j * 3 * C + C + hd * d) * 4
                                var dot = SIMD4<Float>.zero
                                for e in 0..<d4 { dot += q[e] * kp.loadUnaligned(fromByteOffset: 16 * e, as: SIMD4<Float>.self) }
                                let v = dot.sum()
                                scores[j] = v
                                maxScore = max(maxScore, v)
                            }
                            affine(scores, scores, count: L, a: 1, b: -maxScore, silu: false)
                            var total: Float = 0
                            var j8 = 0
                            while j8 + 8 <= L {
                                let e = exp8(UnsafeRawPointer(scores).loadUnaligned(fromByteOffset: 4 * j8, as: SIMD8<Float>.self))
                                UnsafeMutableRawPointer(scores).storeBytes(of: e, toByteOffset: 4 * j8, as: SIMD8<Float>.self)
                                j8 += 8
                            }
                            for j in j8..<L { scores[j] = expf(scores[j]) }
                            for j in 0..<L { total += scores[j] }
                            let inv = 1 / total
                            for e in 0..<d4 { acc[e] = .zero }
                            for j in 0..<L {
                                let p = scores[j] * inv
                                let vp = raw + (rows + j * 3 * C + 2 * C + hd * d) * 4
                                for e in 0..<d4 { acc[e] += p * vp.loadUnaligned(fromByteOffset: 16 * e, as: SIMD4<Float>.self) }
                            }
                            let op = orow + ((b * L + i) * C + hd * d) * 4
                            for e in 0..<d4 { op.storeBytes(of: acc[e], toByteOffset: 16 * e, as: SIMD4<Float>.self) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Attention across the G slices at every pixel, in the channel-major layout (G, ., P) the
    /// network keeps: every operation is a vector operation over the P pixels (no transposes).
    /// qkv (G, 3C, P) = [q | k | v] channels per slice; returns (G, C, P), heads concatenated.
    static func attentionAcrossSlices(qkv: [Float], slices G: Int, channels C: Int, pixels P: Int, heads: Int) -> [Float] {
        let d = C / heads
        let scale = 1 / Float(d).squareRoot()
        var out = [Float](repeating: 0, count: G * C * P)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: G * P)
        let peak = UnsafeMutablePointer<Float>.allocate(capacity: P)
        let total = UnsafeMutablePointer<Float>.allocate(capacity: P)
        defer { scores.deallocate(); peak.deallocate(); total.deallocate() }
        let p8 = P / 8
        qkv.withUnsafeBufferPointer { qb in
            out.withUnsafeMutableBufferPointer { ob in
                let base = qb.baseAddress!
                func q(_ g: Int, _ e: Int) -> UnsafePointer<Float> { base + (g * 3 * C + e) * P }
                func k(_ g: Int, _ e: Int) -> UnsafePointer<Float> { base + (g * 3 * C + C + e) * P }
                func v(_ g: Int, _ e: Int) -> UnsafePointer<Float> { base + (g * 3 * C + 2 * C + e) * P }
                for hd in 0..<heads {
                    for i in 0..<G {
                        // scores[j][p] = scale * q_i . k_j over the head's channels (8 pixels at a time in registers)
                        for j in 0..<G {
                            let sj = scores + j * P
                            var c = 0
                            while c + 2 <= p8 {
                                var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero
                                for e in (hd * d)..<((hd + 1) * d) {
                                    let qe = q(i, e), ke = k(j, e)
                                    a0 += load8(qe, c) * load8(ke, c)
                                    a1 += load8(qe, c + 1) * load8(ke, c + 1)
                                }
                                store8(sj, c, a0 * scale)
                                store8(sj, c + 1, a1 * scale)
                                c += 2
                            }
                            if c < p8 {
                                var acc = SIMD8<Float>.zero
                                for e in (hd * d)..<((hd + 1) * d) { acc += load8(q(i, e), c) * load8(k(j, e), c) }
                                store8(sj, c, acc * scale)
                            }
                            for p in (8 * p8)..<P {
                                var acc: Float = 0
                                for e in (hd * d)..<((hd + 1) * d) { acc += q(i, e)[p] * k(j, e)[p] }
                                sj[p] = acc * scale
                            }
                        }
                        // softmax over j at every pixel
                        peak.update(from: scores, count: P)
                        for j in 1..<max(G, 1) { vecMax(peak, scores + j * P, count: P, p8: p8) }
                        total.update(repeating: 0, count: P)
                        for j in 0..<G { vecExpSub(scores + j * P, peak, total, count: P, p8: p8) }
                        vecReciprocal(total, count: P, p8: p8)
                        for j in 0..<G { vecMul(scores + j * P, total, count: P, p8: p8) }
                        // out[i, e] = sum_j p_j v_j[e]
                        for e in (hd * d)..<((hd + 1) * d) {
                            let o = ob.baseAddress! + (i * C + e) * P
                            var c = 0
                            while c + 2 <= p8 {
                                var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero
                                for j in 0..<G {
                                    let sj = UnsafePointer(scores + j * P), vj = v(j, e)
                                    a0 += load8(sj, c) * load8(vj, c)
                                    a1 += load8(sj, c + 1) * load8(vj, c + 1)
                                }
                                store8(o, c, a0)
                                store8(o, c + 1, a1)
                                c += 2
                            }
                            if c < p8 {
                                var acc = SIMD8<Float>.zero
                                for j in 0..<G { acc += load8(UnsafePointer(scores + j * P), c) * load8(v(j, e), c) }
                                store8(o, c, acc)
                            }
                            for p in (8 * p8)..<P {
                                var acc: Float = 0
                                for j in 0..<G { acc += scores[j * P + p] * v(j, e)[p] }
                                o[p] = acc
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(fromByteOffset: 32 * i, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ v: SIMD8<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, toByteOffset: 32 * i, as: SIMD8<Float>.self)
    }

    /// dst += a * b
    @inline(__always)
    static func vecFMA(_ dst: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, p8: Int) {
        for i in 0..<p8 { store8(dst, i, load8(UnsafePointer(dst), i) + load8(a, i) * load8(b, i)) }
        for i in (8 * p8)..<count { dst[i] += a[i] * b[i] }
    }

    @inline(__always)
    static func vecScale(_ dst: UnsafeMutablePointer<Float>, _ s: Float, count: Int, p8: Int) {
        for i in 0..<p8 { store8(dst, i, load8(UnsafePointer(dst), i) * s) }
        for i in (8 * p8)..<count { dst[i] *= s }
    }

    @inline(__always)
    static func vecMax(_ dst: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, count: Int, p8: Int) {
        for i in 0..<p8 {
            var m = load8(UnsafePointer(dst), i)
            let v = load8(UnsafePointer(a), i)
            m.replace(with: v, where: v .> m)
            store8(dst, i, m)
        }
        for i in (8 * p8)..<count { dst[i] = max(dst[i], a[i]) }
    }

    /// s = exp(s - m); total += s
    @inline(__always)
    static func vecExpSub(_ s: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ total: UnsafeMutablePointer<Float>, count: Int, p8: Int) {
        for i in 0..<p8 {
            let e = exp8(load8(UnsafePointer(s), i) - load8(UnsafePointer(m), i))
            store8(s, i, e)
            store8(total, i, load8(UnsafePointer(total), i) + e)
        }
        for i in (8 * p8)..<count { s[i] = expf(s[i] - m[i]); total[i] += s[i] }
    }

    @inline(__always)
    static func vecReciprocal(_ dst: UnsafeMutablePointer<Float>, count: Int, p8: Int) {
        for i in 0..<p8 { store8(dst, i, 1 / load8(UnsafePointer(dst), i)) }
        for i in (8 * p8)..<count { dst[i] = 1 / dst[i] }
    }

    @inline(__always)
    static func vecMul(_ dst: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, count: Int, p8: Int) {
        for i in 0..<p8 { store8(dst, i, load8(UnsafePointer(dst), i) * load8(UnsafePointer(a), i)) }
        for i in (8 * p8)..<count { dst[i] *= a[i] }
    }

    /// LayerNorm over the channels of a (G, C, P) tensor at every (slice, pixel), eps 1e-5, with
    /// affine and a per-(slice, channel) addend (the frequency position).
    static func layerNormChannels(_ x: [Float], slices G: Int, channels C: Int, pixels P: Int, gamma: [Float], beta: [Float],
                                  add: [Float], eps: Float = 1e-5) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        let mean = UnsafeMutablePointer<Float>.allocate(capacity: P)
        let sq = UnsafeMutablePointer<Float>.allocate(capacity: P)
        defer { mean.deallocate(); sq.deallocate() }
        let p8 = P / 8
        let invC = 1 / Float(C)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                for g in 0..<G {
                    let src = xb.baseAddress! + g * C * P, dst = ob.baseAddress! + g * C * P
                    mean.update(repeating: 0, count: P)
                    for c in 0..<C {
                        let row = src + c * P
                        for i in 0..<p8 { store8(mean, i, load8(UnsafePointer(mean), i) + load8(row, i)) }
                        for i in (8 * p8)..<P { mean[i] += row[i] }
                    }
                    vecScale(mean, invC, count: P, p8: p8)
                    sq.update(repeating: 0, count: P)
                    for c in 0..<C {
                        let row = src + c * P
                        for i in 0..<p8 {
                            let dv = load8(row, i) - load8(UnsafePointer(mean), i)
                            store8(sq, i, load8(UnsafePointer(sq), i) + dv * dv)
                        }
                        for i in (8 * p8)..<P { let dv = row[i] - mean[i]; sq[i] += dv * dv }
                    }
                    for i in 0..<P { sq[i] = 1 / (sq[i] * invC + eps).squareRoot() }
                    for c in 0..<C {
                        let row = src + c * P, o = dst + c * P
                        let gm = gamma[c], bt = beta[c] + add[g * C + c]
                        for i in 0..<p8 {
                            store8(o, i, (load8(row, i) - load8(UnsafePointer(mean), i)) * load8(UnsafePointer(sq), i) * gm + bt)
                        }
                        for i in (8 * p8)..<P { o[i] = (row[i] - mean[i]) * sq[i] * gm + bt }
                    }
                }
            }
        }
        return out
    }

    /// y (n, outF, P) = W (outF, inF) x_s (inF, P) + b for each of the n slices: a 1x1 convolution.
    static func pointwise(_ x: [Float], slices n: Int, pixels P: Int, weight: [Float], bias: [Float], inF: Int, outF: Int) -> [Float] {
        let t = conv2d(Tensor(n: n, c: inF, h: 1, w: P, data: x), weight: weight, bias: bias, cout: outF, k: 1, stride: 1, threads: 1)
        return t.data
    }

    /// (n, a, b) -> (n, b, a): the token transposes of the attention layers.
    static func transpose(_ x: [Float], batches n: Int, rows a: Int, cols b: Int) -> [Float] {
        precondition(x.count == n * a * b, "transpose: \(x.count) floats for \(n)x\(a)x\(b)")
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                for s in 0..<n {
                    let src = xb.baseAddress! + s * a * b, dst = ob.baseAddress! + s * a * b
                    for i in 0..<a {
                        for j in 0..<b { dst[j * a + i] = src[i * b + j] }
                    }
                }
            }
        }
        return out
    }

    /// Nearest-neighbour resize (F.interpolate mode="nearest": src = floor(dst * in / out)).
    static func nearest(_ x: Tensor, h: Int, w: Int) -> Tensor {
        let sy = Float(x.h) / Float(h), sx = Float(x.w) / Float(w)
        let ys = (0..<h).map { min(Int((Float($0) * sy).rounded(.down)), x.h - 1) }
        let xs = (0..<w).map { min(Int((Float($0) * sx).rounded(.down)), x.w - 1) }
        var out = [Float](repeating: 0, count: x.n * x.c * h * w)
        for p in 0..<(x.n * x.c) {
            for y in 0..<h {
                for xx in 0..<w { out[(p * h + y) * w + xx] = x.data[(p * x.h + ys[y]) * x.w + xs[xx]] }
            }
        }
        return Tensor(n: x.n, c: x.c, h: h, w: w, data: out)
    }

    /// Channel concatenation [a, b] of two tensors with equal n, h, w.
    static func concat(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.n == b.n && a.h == b.h && a.w == b.w, "concat: (\(a.h)x\(a.w)) and (\(b.h)x\(b.w))")
        var out = [Float]()
        out.reserveCapacity(a.data.count + b.data.count)
        for s in 0..<a.n {
            out.append(contentsOf: a.data[(s * a.sliceSize)..<((s + 1) * a.sliceSize)])
            out.append(contentsOf: b.data[(s * b.sliceSize)..<((s + 1) * b.sliceSize)])
        }
        return Tensor(n: a.n, c: a.c + b.c, h: a.h, w: a.w, data: out)
    }

    /// F.pixel_unshuffle of one (c, H*f, W*f) image: out[c*f*f + i*f + j, y, x] = in[c, y*f + i, x*f + j].
    static func pixelUnshuffle(_ image: [Float], channels: Int, height H: Int, width W: Int, factor f: Int) -> [Float] {
        let h = H / f, w = W / f
        var out = [Float](repeating: 0, count: channels * H * W)
        for c in 0..<channels {
            for i in 0..<f {
                for j in 0..<f {
                    let oc = (c * f + i) * f + j
                    for y in 0..<h {
                        for x in 0..<w { out[(oc * h + y) * w + x] = image[(c * H + y * f + i) * W + x * f + j] }
                    }
                }
            }
        }
        return out
    }

    /// x[s, c, :, :] += bias[s, c] (the embedding added inside a ResBlock).
    static func addChannelBias(_ x: inout Tensor, _ bias: [Float]) {
        let plane = x.plane
        x.data.withUnsafeMutableBufferPointer { xb in
            for sc in 0..<(x.n * x.c) {
                let b = bias[sc]
                for i in 0..<plane { xb[sc * plane + i] += b }
            }
        }
    }

    /// a[s * b.count + i] += b[i] for every slice s: the same addend for each slice.
    static func addPerSlice(_ a: inout [Float], _ b: [Float]) {
        precondition(a.count % b.count == 0, "addPerSlice: \(a.count) floats, \(b.count) per slice")
        a.withUnsafeMutableBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                for s in 0..<(ab.count / bb.count) {
                    let base = s * bb.count
                    for i in 0..<bb.count { ab[base + i] += bb[i] }
                }
            }
        }
    }

    /// a += b elementwise.
    static func add(_ a: inout [Float], _ b: [Float]) {
        precondition(a.count == b.count, "add: \(a.count) and \(b.count) floats")
        a.withUnsafeMutableBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                for i in 0..<ab.count { ab[i] += bb[i] }
            }
        }
    }
}
