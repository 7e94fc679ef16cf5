import Foundation
import Graph

/// Resizing as Training/ does it: PyTorch's antialiased bilinear `F.interpolate(...,
/// mode="bilinear", antialias=True, align_corners=False)` and the joint bilateral (image-guided)
/// upsampling of Training/upsample.py.
enum Resample {
    /// One output index's taps: the first input index and the normalized weights.
    struct Taps: Sendable {
        var first: Int
        var weights: [Float]
    }

    /// PyTorch's `_compute_weights_aa` for the bilinear (triangle) filter: support 1 input pixel
    /// when upsampling, `in/out` when downsampling (the filter stretched), weights normalized.
    static func taps(input: Int, output: Int) -> [Taps] {
        let scale = Float(input) / Float(output)
        let support: Float = scale >= 1 ? scale : 1
        let invscale: Float = scale >= 1 ? 1 / scale : 1
        return (0..<output).map { i in
            let center = scale * (Float(i) + 0.5)
            let xmin = max(Int(center - support + 0.5), 0)
            let xsize = min(Int(center + support + 0.5), input) - xmin
            var w = (0..<max(xsize, 0)).map { j -> Float in
                let x = abs((Float(j + xmin) - center + 0.5) * invscale)
                return x < 1 ? 1 - x : 0
            }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            return Taps(first: xmin, weights: w)
        }
    }

    /// Antialiased bilinear resize of `planes` planes (planes, inH, inW) -> (planes, outH, outW):
    /// along the width first, then the height, as PyTorch's separable kernel.
    static func resize(_ x: [Float], planes: Int, inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int,
                       threads: Int = 1) -> [Float] {
        precondition(x.count == planes * inWidth * inHeight, "resize: \(x.count) floats for \(planes)x\(inHeight)x\(inWidth)")
        if inWidth == outWidth && inHeight == outHeight { return x }
        let tx = taps(input: inWidth, output: outWidth), ty = taps(input: inHeight, output: outHeight)
        var out = [Float](repeating: 0, count: planes * outWidth * outHeight)
        out.withUnsafeMutableBufferPointer { ob in
            let o = SharedPointer(base: ob.baseAddress!)
            parallelStripes(planes, stripes: threads) { first, end in
                var row = [Float](repeating: 0, count: inHeight * outWidth)
                for p in first..<end {
                    let src = p * inWidth * inHeight
                    for y in 0..<inHeight {
                        for xo in 0..<outWidth {
                            let t = tx[xo]
                            var s: Float = 0
                            for (j, wj) in t.weights.enumerated() { s += wj * x[src + y * inWidth + t.first + j] }
                            row[y * outWidth + xo] = s
                        }
                    }
                    let dst = o.base + p * outWidth * outHeight
                    for yo in 0..<outHeight {
                        let t = ty[yo]
                        for xo in 0..<outWidth {
                            var s: Float = 0
                            for (j, wj) in t.weights.enumerated() { s += wj * row[(t.first + j) * outWidth + xo] }
                            dst[yo * outWidth + xo] = s
                        }
                    }
                }
            }
        }
        return out
    }

    /// upsample.py `guided_upsample`: S (channels, h, w) coarse, guide (3, H, W) -> (channels, H, W),
    /// each fine pixel a weighted mean of the 4x4 coarse samples around it, weights
    /// exp(-d^2 / 2 sigma_s^2) (coarse pixels) times exp(-|I(p) - I_coarse(q)|^2 / 2 sigma_r^2).
    static func guidedUpsample(_ S: [Float], channels: Int, width w: Int, height h: Int, guide: [Float],
                               guideWidth W: Int, guideHeight H: Int, sigmaS: Float = 1, sigmaR: Float = 0.1,
                               radius: Int = 2) -> [Float] {
        let coarse = resize(guide, planes: 3, inWidth: W, inHeight: H, outWidth: w, outHeight: h)
        let ys = (0..<H).map { (Float($0) + 0.5) * Float(h) / Float(H) - 0.5 }
        let xs = (0..<W).map { (Float($0) + 0.5) * Float(w) / Float(W) - 0.5 }
        let spatial = Float(2 * Double(sigmaS) * Double(sigmaS))
        let range = Float(2 * Double(sigmaR) * Double(sigmaR))
        let offsets = Array((-radius + 1)...radius)
        var out = [Float](repeating: 0, count: channels * H * W)
        var wgt = [Float](repeating: 0, count: offsets.count * offsets.count)
        var idx = [Int](repeating: 0, count: wgt.count)
        for y in 0..<H {
            let y0 = Int(ys[y].rounded(.down))
            for x in 0..<W {
                let x0 = Int(xs[x].rounded(.down))
                var n = 0
                for dy in offsets {
                    let qy = min(max(y0 + dy, 0), h - 1)
                    let ey = ys[y] - Float(y0 + dy)
                    let wy = expf(-(ey * ey) / spatial)
                    for dx in offsets {
                        let qx = min(max(x0 + dx, 0), w - 1)
                        let ex = xs[x] - Float(x0 + dx)
                        let wx = expf(-(ex * ex) / spatial)
                        var d2: Float = 0
                        for c in 0..<3 {
                            let d = guide[(c * H + y) * W + x] - coarse[(c * h + qy) * w + qx]
                            d2 += d * d
                        }
                        wgt[n] = expf(-d2 / range) * (wy * wx)
                        idx[n] = qy * w + qx
                        n += 1
                    }
                }
                var den: Float = 0
                for i in 0..<n { den += wgt[i] }
                den = max(den, 1e-12)
                for c in 0..<channels {
                    var num: Float = 0
                    for i in 0..<n { num += wgt[i] * S[c * h * w + idx[i]] }
                    out[(c * H + y) * W + x] = num / den
                }
            }
        }
        return out
    }

    /// Multiplies the x channels (0, 2) of each 4-channel slice by gx and the y channels (1, 3) by gy.
    static func scaleCoefficients(_ S: inout [Float], slices: Int, plane: Int, gx: Float, gy: Float) {
        for s in 0..<slices {
            for ch in 0..<4 {
                let g = ch % 2 == 0 ? gx : gy
                let base = (s * 4 + ch) * plane
                for i in 0..<plane { S[base + i] *= g }
            }
        }
    }

    /// sample.py's upsampling of a coarse S (slices, 4, h, w) raw grid pixels to the still's size:
    /// image-guided to min(4 x grid, still) with coefficient gains, then antialiased bilinear with gains.
    static func upsampleVolume(_ S: [Float], slices K: Int, width w: Int, height h: Int, image: RGBImage, threads: Int) -> [Float] {
        let W = image.width, H = image.height
        let W1 = min(W, 4 * w), H1 = min(H, 4 * h)
        let guide = resize(image.data, planes: 3, inWidth: W, inHeight: H, outWidth: W1, outHeight: H1, threads: threads)
        var up = guidedUpsample(S, channels: K * 4, width: w, height: h, guide: guide, guideWidth: W1, guideHeight: H1)
        scaleCoefficients(&up, slices: K, plane: W1 * H1, gx: Float(Double(W1) / Double(w)), gy: Float(Double(H1) / Double(h)))
        var out = resize(up, planes: K * 4, inWidth: W1, inHeight: H1, outWidth: W, outHeight: H, threads: threads)
        scaleCoefficients(&out, slices: K, plane: W * H, gx: Float(Double(W) / Double(W1)), gy: Float(Double(H) / Double(H1)))
        return out
    }
}
