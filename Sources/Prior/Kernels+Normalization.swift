import COpenBLAS
import Dispatch
import Foundation
import Graph

// GroupNorm, LayerNorm, SiLU and the vectorized exp they use.
extension Kernels {
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

    /// exp of 8 floats (shared with frame interpolation, in Graph).
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.exp8(x) }

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
}
