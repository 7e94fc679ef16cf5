import Foundation
import Graph
import Render

/// Synthetic scenes shared by the render tests: textures, fields and a reference bilinear sampler.
enum Fixture {
    /// A deterministic texture with detail at several scales (smooth waves plus hashed noise).
    static func texture(width: Int, height: Int, seed: UInt64 = 1, alpha: Bool = false) -> RGBImage {
        let n = width * height
        var data = [Float](repeating: 0, count: 3 * n)
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let noise = Float(state >> 40) / Float(1 << 24) - 0.5
                let fx = Float(x), fy = Float(y)
                data[y * width + x] = 0.5 + 0.3 * sinf(fx * 0.3 + fy * 0.1) + 0.15 * noise
                data[n + y * width + x] = 0.5 + 0.3 * cosf(fy * 0.4 - fx * 0.05) + 0.15 * noise
                data[2 * n + y * width + x] = 0.5 + 0.2 * sinf((fx - fy) * 0.2) - 0.15 * noise
            }
        }
        let a: [Float]? = alpha ? (0..<n).map { Float(($0 * 37) % 101) / 100 } : nil
        return RGBImage(width: width, height: height, data: data, alpha: a)
    }

    /// A uniform displacement (dx, dy) as a (2, H, W) field.
    static func uniformField(width: Int, height: Int, dx: Float, dy: Float) -> [Float] {
        [Float](repeating: dx, count: width * height) + [Float](repeating: dy, count: width * height)
    }

    /// Bilinear sample of plane `c` of `image` at (x, y), clamped at the borders.
    static func bilinear(_ image: RGBImage, plane c: Int, x: Float, y: Float) -> Float {
        let w = image.width, h = image.height
        let sx = min(max(x, 0), Float(w - 1)), sy = min(max(y, 0), Float(h - 1))
        let x0 = Int(sx), y0 = Int(sy), x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
        let ax = sx - Float(x0), ay = sy - Float(y0)
        let p = c * w * h
        let d = image.data
        return (1 - ay) * ((1 - ax) * d[p + y0 * w + x0] + ax * d[p + y0 * w + x1])
            + ay * ((1 - ax) * d[p + y1 * w + x0] + ax * d[p + y1 * w + x1])
    }

    /// A red textured disk (centre cx, cy; radius r) pasted on `background`.
    static func diskScene(width: Int, height: Int, cx: Float, cy: Float, r: Float) -> (image: RGBImage, inside: [Bool]) {
        var image = texture(width: width, height: height, seed: 7)
        let n = width * height
        var inside = [Bool](repeating: false, count: n)
        for y in 0..<height {
            for x in 0..<width where hypotf(Float(x) - cx, Float(y) - cy) <= r {
                let i = y * width + x
                inside[i] = true
                // Red with a checker texture: far from the blue-green background in colour.
                let t: Float = (x / 3 + y / 3) % 2 == 0 ? 0.05 : 0
                image.data[i] = 0.9 - t
                image.data[n + i] = 0.1 + t
                image.data[2 * n + i] = 0.05
            }
        }
        // Keep the background off red so "which layer won" is readable from the red channel.
        for i in 0..<n where !inside[i] { image.data[i] *= 0.4 }
        return (image, inside)
    }

    /// The disk scene's field and W: the disk moves by (dx, dy), the background stays.
    static func diskMotion(inside: [Bool], dx: Float, dy: Float) -> (field: [Float], weights: [Float]) {
        let fx = inside.map { $0 ? dx : 0 }, fy = inside.map { $0 ? dy : 0 }
        let m = (dx * dx + dy * dy).squareRoot()
        return (fx + fy, inside.map { $0 ? m : 0 })
    }
}
