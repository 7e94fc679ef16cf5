import COpenBLAS
import Foundation
import Graph

/// The numerical kernels of the prior (whisper.cpp/ggml style: plain loops and sgemm on
/// contiguous buffers). Unsafe pointers stay in the kernel files: Kernels*.swift, Resample.swift
/// and Tensor.swift.
///
/// Work is split over *slices* (or rows) in fixed stripes: each slice's arithmetic is the same
/// whichever thread runs it, so results do not depend on the thread count.
enum Kernels {
    /// Conv2d with square kernel `k`, padding `pad` (default k/2), `stride`; weight (cout, cin, k, k).
    /// im2col + one sgemm per slice; bias preloaded into the output.
    static func conv2d(_ x: Tensor, weight: [Float], bias: [Float], cout: Int, k: Int, stride: Int, pad: Int? = nil,
                       threads: Int) -> Tensor {
        let pad = pad ?? k / 2
        let ho = (x.h + 2 * pad - k) / stride + 1, wo = (x.w + 2 * pad - k) / stride + 1
        let cin = x.c, hi = x.h, wi = x.w
        let rows = cin * k * k, cols = ho * wo
        precondition(weight.count == cout * rows && bias.count == cout, "conv2d: weight \(weight.count) / bias \(bias.count) for \(cout)x\(cin)x\(k)x\(k)")
        // Every element is written (bias, then sgemm accumulates; im2col fills every row).
        var out = [Float](unsafeUninitializedCapacity: x.n * cout * cols) { _, n in n = x.n * cout * cols }
        let direct = k == 1 && stride == 1
        out.withUnsafeMutableBufferPointer { ob in
            let o = SharedPointer(base: ob.baseAddress!)
            parallelStripes(x.n, stripes: threads) { first, end in
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
                                    if stride == 1 && wo == wi && ho == hi && pad == k / 2 {
                                        im2colSame(src, c, channels: cin, height: hi, width: wi, k: k)
                                    } else {
                                        im2colStrided(src, c, channels: cin, height: hi, width: wi, k: k, stride: stride, pad: pad)
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

    /// im2col of any stride and padding: row (ci, ky, kx) holds x[ci, oy s + ky - pad, ox s + kx - pad], 0 outside.
    static func im2colStrided(_ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, channels: Int,
                              height: Int, width: Int, k: Int, stride: Int, pad: Int) {
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

    /// y (n, outF, P) = W (outF, inF) x_s (inF, P) + b for each of the n slices: a 1x1 convolution.
    static func pointwise(_ x: [Float], slices n: Int, pixels P: Int, weight: [Float], bias: [Float], inF: Int, outF: Int) -> [Float] {
        let t = conv2d(Tensor(n: n, c: inF, h: 1, w: P, data: x), weight: weight, bias: bias, cout: outF, k: 1, stride: 1, threads: 1)
        return t.data
    }
}
