import COpenBLAS
import Dispatch
import Foundation

// Linear layers and the shape work between layers: transpose, resize, concat, adds.
extension Kernels {
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
