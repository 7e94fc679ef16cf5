import COpenBLAS
import Dispatch
import Foundation

// Scaled dot-product attention: over pixels (spatial) and across the K slices (frequency).
extension Kernels {
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
}
