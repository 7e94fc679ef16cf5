import Foundation
import Graph

/// Full-reference picture quality: PSNR and SSIM, for comparing rendered frames with real ones.
public enum ImageMetrics {
    /// PSNR in dB over the RGB planes (values in 0...1), ignoring `border` pixels on every side;
    /// +infinity for identical pictures.
    public static func psnr(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        precondition(a.width == b.width && a.height == b.height, "psnr: sizes differ")
        let n = a.planeSize, w = a.width
        var sse = 0.0, count = 0
        for c in 0..<3 {
            for y in border..<(a.height - border) {
                for x in border..<(w - border) {
                    let d = Double(a.data[c * n + y * w + x] - b.data[c * n + y * w + x])
                    sse += d * d
                    count += 1
                }
            }
        }
        guard count > 0 else { return .nan }
        return sse == 0 ? .infinity : 10 * log10(Double(count) / sse)
    }

    /// Mean SSIM (Wang et al. 2004) of the Rec. 601 luma, 11x11 Gaussian window (sigma 1.5),
    /// K1 = 0.01, K2 = 0.03 for a range of 1, averaged over window centres `border` + 5 pixels in.
    public static func ssim(_ a: RGBImage, _ b: RGBImage, border: Int = 0) -> Double {
        precondition(a.width == b.width && a.height == b.height, "ssim: sizes differ")
        let w = a.width, h = a.height
        let x = luma(a), y = luma(b)
        let mx = blur(x, w, h), my = blur(y, w, h)
        let sxx = blur(zip(x, x).map { $0 * $1 }, w, h)
        let syy = blur(zip(y, y).map { $0 * $1 }, w, h)
        let sxy = blur(zip(x, y).map { $0 * $1 }, w, h)
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let m = border + 5
        var total = 0.0, count = 0
        for yy in m..<max(m, h - m) {
            for xx in m..<max(m, w - m) {
                let i = yy * w + xx
                let vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cxy = sxy[i] - mx[i] * my[i]
                total += (2 * mx[i] * my[i] + c1) * (2 * cxy + c2)
                    / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : .nan
    }

    private static func luma(_ im: RGBImage) -> [Double] {
        let n = im.planeSize
        return (0..<n).map { 0.299 * Double(im.data[$0]) + 0.587 * Double(im.data[n + $0]) + 0.114 * Double(im.data[2 * n + $0]) }
    }

    /// Separable 11-tap Gaussian (sigma 1.5), borders clamped.
    private static func blur(_ v: [Double], _ w: Int, _ h: Int) -> [Double] {
        let taps = (-5...5).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let norm = taps.reduce(0, +)
        let k = taps.map { $0 / norm }
        var tmp = [Double](repeating: 0, count: v.count), out = tmp
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -5...5 { s += k[t + 5] * v[y * w + min(max(x + t, 0), w - 1)] }
                tmp[y * w + x] = s
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -5...5 { s += k[t + 5] * tmp[min(max(y + t, 0), h - 1) * w + x] }
                out[y * w + x] = s
            }
        }
        return out
    }
}
