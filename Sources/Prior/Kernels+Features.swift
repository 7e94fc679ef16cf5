import Foundation

/// Kernels of the amplitude prior's fixed part (Training/features.py, amplitude.py), as PyTorch
/// computes them: max pooling, bilinear resizing without antialiasing, the texture cue.
extension Kernels {
    /// F.relu in place.
    static func relu(_ t: inout Tensor) {
        for i in t.data.indices where t.data[i] < 0 { t.data[i] = 0 }
    }

    /// F.max_pool2d(x, k, stride), no padding.
    static func maxPool(_ x: Tensor, k: Int, stride: Int) -> Tensor {
        let ho = (x.h - k) / stride + 1, wo = (x.w - k) / stride + 1
        var out = [Float](repeating: 0, count: x.n * x.c * ho * wo)
        x.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<(x.n * x.c) {
                    let s = src.baseAddress! + p * x.plane, d = dst.baseAddress! + p * ho * wo
                    for oy in 0..<ho {
                        for ox in 0..<wo {
                            var m = -Float.infinity
                            for ky in 0..<k {
                                let row = s + (oy * stride + ky) * x.w + ox * stride
                                for kx in 0..<k { m = max(m, row[kx]) }
                            }
                            d[oy * wo + ox] = m
                        }
                    }
                }
            }
        }
        return Tensor(n: x.n, c: x.c, h: ho, w: wo, data: out)
    }

    /// One axis of F.interpolate(mode="bilinear", align_corners=False, antialias=False): for each
    /// output index the two source indices and the weight of the second.
    static func linearTaps(input: Int, output: Int) -> [(Int, Int, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { i in
            let src = max(0, (Float(i) + 0.5) * scale - 0.5)
            let i0 = min(Int(src), input - 1)
            let i1 = min(i0 + 1, input - 1)
            return (i0, i1, src - Float(i0))
        }
    }

    /// Bilinear resize of every plane of `x` to h x w, as F.interpolate(mode="bilinear").
    static func bilinear(_ x: Tensor, h: Int, w: Int) -> Tensor {
        let ty = linearTaps(input: x.h, output: h), tx = linearTaps(input: x.w, output: w)
        var out = [Float](repeating: 0, count: x.n * x.c * h * w)
        x.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<(x.n * x.c) {
                    let s = src.baseAddress! + p * x.plane, d = dst.baseAddress! + p * h * w
                    for (oy, (y0, y1, fy)) in ty.enumerated() {
                        let r0 = s + y0 * x.w, r1 = s + y1 * x.w
                        for (ox, (x0, x1, fx)) in tx.enumerated() {
                            let top = (1 - fx) * r0[x0] + fx * r0[x1]
                            let bottom = (1 - fx) * r1[x0] + fx * r1[x1]
                            d[oy * w + ox] = (1 - fy) * top + fy * bottom
                        }
                    }
                }
            }
        }
        return Tensor(n: x.n, c: x.c, h: h, w: w, data: out)
    }

    /// amplitude.texture_cue: log of the 4x4 mean of the squared luma gradient (forward
    /// differences, 0 at the last row and column) of an RGB picture (3, H, W) -> (1, H/4, W/4).
    static func textureCue(_ image: [Float], width W: Int, height H: Int) -> Tensor {
        let h = H / 4, w = W / 4, plane = W * H
        var luma = [Float](repeating: 0, count: plane)
        for i in 0..<plane { luma[i] = 0.299 * image[i] + 0.587 * image[plane + i] + 0.114 * image[2 * plane + i] }
        var out = [Float](repeating: 0, count: h * w)
        for oy in 0..<h {
            for ox in 0..<w {
                var e: Float = 0
                for y in (oy * 4)..<(oy * 4 + 4) {
                    for x in (ox * 4)..<(ox * 4 + 4) {
                        let v = luma[y * W + x]
                        let gx = x + 1 < W ? luma[y * W + x + 1] - v : 0
                        let gy = y + 1 < H ? luma[(y + 1) * W + x] - v : 0
                        e += gx * gx + gy * gy
                    }
                }
                out[oy * w + ox] = log(e / 16 + 1e-4)
            }
        }
        return Tensor(n: 1, c: 1, h: h, w: w, data: out)
    }
}
