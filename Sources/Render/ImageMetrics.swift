import Foundation
import Graph

/// Full-reference picture quality: PSNR, SSIM and GMSD, for comparing rendered frames with real ones.
public enum ImageMetrics {
    /// GMSD (Xue, Zhang, Mou and Bovik 2014, "Gradient magnitude similarity deviation"): luma
    /// averaged 2x2 and halved, Prewitt gradient magnitudes m of both pictures, per-pixel
    /// similarity (2 m_a m_b + c) / (m_a^2 + m_b^2 + c) with c = 170 / 255^2, and the standard
    /// deviation of that map. 0 for identical pictures; higher = worse. A perceptual measure that
    /// runs offline (LPIPS needs pretrained network weights): ghosts and smeared edges change the
    /// gradient structure, which it sees and PSNR weighs no more than a uniform error.
    /// `border` pixels (of the full picture) are left out on every side.
    public static func gmsd(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        precondition(a.width == b.width && a.height == b.height, "gmsd: sizes differ")
        let (ha, w, h) = halved(luma(a), a.width, a.height)
        let hb = halved(luma(b), b.width, b.height).0
        let ma = prewittMagnitude(ha, w, h), mb = prewittMagnitude(hb, w, h)
        let c = 170.0 / (255.0 * 255.0)
        // Half the border at half resolution, and one more pixel for the 3x3 gradient.
        let m = border / 2 + 1
        var sum = 0.0, sumSq = 0.0, count = 0.0
        for y in m..<max(m, h - m) {
            for x in m..<max(m, w - m) {
                let i = y * w + x
                let g = (2 * ma[i] * mb[i] + c) / (ma[i] * ma[i] + mb[i] * mb[i] + c)
                sum += g
                sumSq += g * g
                count += 1
            }
        }
        guard count > 0 else { return .nan }
        let mean = sum / count
        return max(0, sumSq / count - mean * mean).squareRoot()
    }

    /// 2x2 mean, then every other pixel (GMSD's down-sampling).
    static func halved(_ v: [Double], _ w: Int, _ h: Int) -> ([Double], Int, Int) {
        let hw = max(1, w / 2), hh = max(1, h / 2)
        var out = [Double](repeating: 0, count: hw * hh)
        for y in 0..<hh {
            for x in 0..<hw {
                let x0 = min(2 * x, w - 1), x1 = min(2 * x + 1, w - 1), y0 = min(2 * y, h - 1), y1 = min(2 * y + 1, h - 1)
                out[y * hw + x] = (v[y0 * w + x0] + v[y0 * w + x1] + v[y1 * w + x0] + v[y1 * w + x1]) / 4
            }
        }
        return (out, hw, hh)
    }

    /// Gradient magnitude with Prewitt kernels (each / 3), borders clamped.
    static func prewittMagnitude(_ v: [Double], _ w: Int, _ h: Int) -> [Double] {
        var out = [Double](repeating: 0, count: w * h)
        func at(_ x: Int, _ y: Int) -> Double { v[min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)] }
        for y in 0..<h {
            for x in 0..<w {
                var gx = 0.0, gy = 0.0
                for d in -1...1 {
                    gx += at(x + 1, y + d) - at(x - 1, y + d)
                    gy += at(x + d, y + 1) - at(x + d, y - 1)
                }
                out[y * w + x] = ((gx * gx + gy * gy) / 9).squareRoot()
            }
        }
        return out
    }

    /// Mean absolute difference over all colour values, `border` pixels left out on each side.
    public static func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        precondition(a.width == b.width && a.height == b.height, "meanAbsoluteDifference: sizes differ")
        let w = a.width, h = a.height, n = w * h
        guard w > 2 * border, h > 2 * border else { return 0 }
        var sum = 0.0
        for c in 0..<3 {
            for y in border..<(h - border) {
                for x in border..<(w - border) {
                    let i = c * n + y * w + x
                    sum += Double(abs(a.data[i] - b.data[i]))
                }
            }
        }
        return sum / Double(3 * (w - 2 * border) * (h - 2 * border))
    }

    /// Fine detail: the variance of the 4-neighbour Laplacian of luma, `border` pixels left out on
    /// each side. A render's detail over I0's says how much of the photo's sharpness a frame keeps
    /// (1 = all; resampling between pixels lowers it, ringing can raise it).
    public static func detail(_ a: RGBImage, border: Int = 0) -> Double {
        let w = a.width, h = a.height
        let y = luma(a)
        let b = max(1, border)
        guard w > 2 * b, h > 2 * b else { return 0 }
        var sum = 0.0, sumSquares = 0.0
        for row in b..<(h - b) {
            for x in b..<(w - b) {
                let i = row * w + x
                let l = y[i - 1] + y[i + 1] + y[i - w] + y[i + w] - 4 * y[i]
                sum += l
                sumSquares += l * l
            }
        }
        let n = Double((w - 2 * b) * (h - 2 * b))
        let mean = sum / n
        return sumSquares / n - mean * mean
    }

    /// PSNR in dB over the RGB planes (values in 0...1), ignoring `border` pixels on every side;
    /// +infinity for identical pictures.
    public static func psnr(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        precondition(a.width == b.width && a.height == b.height, "psnr: sizes differ")
        let n = a.planeSize, w = a.width
        var sse = 0.0, count = 0
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                for c in 0..<3 {
                    for y in border..<max(border, a.height - border) {
                        let row = c * n + y * w
                        for x in border..<max(border, w - border) {
                            let d = Double(pa[row + x] - pb[row + x])
                            sse += d * d
                        }
                        count += max(0, w - 2 * border)
                    }
                }
            }
        }
        guard count > 0 else { return .nan }
        return sse == 0 ? .infinity : 10 * log10(Double(count) / sse)
    }

    /// Mean SSIM (Wang et al. 2004) of the Rec. 601 luma, 11x11 Gaussian window (sigma 1.5),
    /// K1 = 0.01, K2 = 0.03 for a range of 1, averaged over window centres `border` + 5 pixels in.
    public static func ssim(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        ssim(a, SSIMReference(b), border: border)
    }

    /// SSIM of `a` against a picture whose statistics were computed once (the real frame is
    /// scored against several renderings: its blurs are shared).
    public static func ssim(_ a: RGBImage, _ ref: SSIMReference, border: Int = 0) -> Double {
        precondition(a.width == ref.width && a.height == ref.height, "ssim: sizes differ")
        let w = ref.width, h = ref.height
        let x = luma(a)
        let mx = blur(x, w, h)
        let sxx = blur(zip(x, x).map { $0 * $1 }, w, h)
        let sxy = blur(zip(x, ref.luma).map { $0 * $1 }, w, h)
        let my = ref.mean, vy = ref.variance
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let m = border + 5
        var total = 0.0, count = 0
        for yy in m..<max(m, h - m) {
            for xx in m..<max(m, w - m) {
                let i = yy * w + xx
                let vx = sxx[i] - mx[i] * mx[i], cxy = sxy[i] - mx[i] * my[i]
                total += (2 * mx[i] * my[i] + c1) * (2 * cxy + c2)
                    / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy[i] + c2))
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : .nan
    }

    /// One picture's luma and its local mean and variance, for repeated SSIMs against it.
    public struct SSIMReference: Sendable {
        public let width: Int
        public let height: Int
        let luma: [Double]
        let mean: [Double]
        let variance: [Double]

        /// Computes the statistics of `image`.
        public init(_ image: RGBImage) {
            width = image.width
            height = image.height
            luma = ImageMetrics.luma(image)
            mean = ImageMetrics.blur(luma, width, height)
            let squares = ImageMetrics.blur(luma.map { $0 * $0 }, width, height)
            variance = zip(squares, mean).map { $0 - $1 * $1 }
        }
    }

    static func luma(_ im: RGBImage) -> [Double] {
        let n = im.planeSize
        return im.data.withUnsafeBufferPointer { d in
            (0..<n).map { i -> Double in
                let r = Double(d[i]), g = Double(d[n + i]), b = Double(d[2 * n + i])
                return 0.299 * r + 0.587 * g + 0.114 * b
            }
        }
    }

    /// Separable 11-tap Gaussian (sigma 1.5), borders clamped.
    static func blur(_ v: [Double], _ w: Int, _ h: Int) -> [Double] {
        let taps = (-5...5).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let norm = taps.reduce(0, +)
        let k = taps.map { $0 / norm }
        var tmp = [Double](repeating: 0, count: v.count), out = tmp
        v.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                for y in 0..<h {
                    let row = y * w
                    for x in 0..<w {
                        var s = 0.0
                        if x >= 5 && x + 5 < w {
                            for j in 0..<11 { s += k[j] * src[row + x + j - 5] }
                        } else {
                            for j in 0..<11 { s += k[j] * src[row + min(max(x + j - 5, 0), w - 1)] }
                        }
                        t[row + x] = s
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<h {
                    for x in 0..<w {
                        var s = 0.0
                        for j in 0..<11 { s += k[j] * t[min(max(y + j - 5, 0), h - 1) * w + x] }
                        o[y * w + x] = s
                    }
                }
            }
        }
        return out
    }
}
