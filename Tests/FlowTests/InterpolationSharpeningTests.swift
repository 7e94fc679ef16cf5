import Foundation
import Graph
import Testing
@testable import Flow

/// The sharpening that gives back what the bilinear splats of frame interpolation blur away.
@Suite("Frame interpolation: sharpening")
struct InterpolationSharpeningTests {
    /// A smooth random colour texture (Gaussian blobs, sigma 1.6 px, so nearly band-limited and
    /// without the repeats that make a flow ambiguous) with its origin moved right by `shift`
    /// pixels: any sub-pixel position is known exactly.
    static func texture(width: Int, height: Int, shift: Float) -> RGBImage {
        var data = [Float](repeating: 0.5, count: 3 * width * height)
        var seed: UInt64 = 12345
        func random() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(seed >> 40) / Float(1 << 24)
        }
        let sigma: Float = 1.6, reach = 6
        for _ in 0..<(width * height / 12) {
            let cx = random() * Float(width + 8) - 4 + shift, cy = random() * Float(height + 8) - 4
            let amplitude = (0..<3).map { _ in (random() - 0.5) * 0.5 }
            for y in max(0, Int(cy) - reach)...min(height - 1, max(0, Int(cy) + reach)) {
                for x in max(0, Int(cx) - reach)...min(width - 1, max(0, Int(cx) + reach)) {
                    let dx = Float(x) - cx, dy = Float(y) - cy
                    let g = exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
                    for c in 0..<3 { data[(c * height + y) * width + x] += amplitude[c] * g }
                }
            }
        }
        return RGBImage(width: width, height: height, data: data)
    }

    /// PSNR over the pixels at least `border` from the edges (colours 0...1).
    static func psnr(_ a: RGBImage, _ b: RGBImage, border: Int) -> Double {
        var sum = 0.0, count = 0
        for c in 0..<3 {
            for y in border..<(a.height - border) {
                for x in border..<(a.width - border) {
                    let i = (c * a.height + y) * a.width + x
                    sum += Double((a.data[i] - b.data[i]) * (a.data[i] - b.data[i]))
                    count += 1
                }
            }
        }
        return 10 * log10(1 / max(sum / Double(count), 1e-12))
    }

    /// The frame half way between a texture and the same texture one pixel to the right.
    static func halfway(sharpening: Float) throws -> RGBImage {
        let interpolator = FrameInterpolator(preset: .medium, flowScale: 0)
        interpolator.sharpening = sharpening
        try interpolator.prepare(from: texture(width: 128, height: 96, shift: 0), to: texture(width: 128, height: 96, shift: 1))
        return try interpolator.frame(at: 0.5)
    }

    @Test("half a pixel of motion: the sharpened frame is closer to the true half-way picture")
    func halfPixelMotionIsSharpenedBack() throws {
        let truth = Self.texture(width: 128, height: 96, shift: 0.5)
        let soft = Self.psnr(try Self.halfway(sharpening: 0), truth, border: 8)
        let sharp = Self.psnr(try Self.halfway(sharpening: 1), truth, border: 8)
        // Both splats land half way between pixels, where bilinear weights blur the most.
        // Measured: 46.6 dB unsharpened, 60.3 dB sharpened.
        #expect(sharp > soft + 6, "sharpened \(sharp) dB, unsharpened \(soft) dB against the true picture")
    }

    @Test("no motion, nothing to give back: a still pair makes the same picture with or without")
    func stillPairIsUnchanged() throws {
        let picture = Self.texture(width: 96, height: 64, shift: 0)
        var made: [RGBImage] = []
        for strength: Float in [0, 1] {
            let interpolator = FrameInterpolator(preset: .medium, flowScale: 0)
            interpolator.sharpening = strength
            try interpolator.prepare(from: picture, to: picture)
            made.append(try interpolator.frame(at: 0.5))
        }
        let largest = zip(made[0].data, made[1].data).map { abs($0 - $1) }.max() ?? 0
        #expect(largest < 1e-3, "largest difference \(largest)")
        #expect(Self.psnr(made[1], picture, border: 0) > 50)
    }

    @Test("the sharpening pass: edges replicate, the vector and single-pixel paths agree")
    func kernelMatchesItsFormula() {
        let w = 21, h = 5, n = w * h
        var unsharp = (0..<(3 * n)).map { Float(($0 * 37) % 11) / 10 }
        var gains = (0..<(2 * n)).map { Float(($0 * 13) % 7) / 12 }
        var out = [Float](repeating: 0, count: 3 * n)
        unsharp.withUnsafeMutableBufferPointer { u in gains.withUnsafeMutableBufferPointer { g in out.withUnsafeMutableBufferPointer { o in
            SharpenKernel(width: w, height: h, unsharp: u.baseAddress!, gains: g.baseAddress!, out: o.baseAddress!).rows(0, h)
        }}}
        var worst: Float = 0
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    let at = { (x: Int, y: Int) in unsharp[c * n + min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)] }
                    let v = at(x, y), i = y * w + x
                    let want = v + 0.5 * (gains[i] * (2 * v - at(x - 1, y) - at(x + 1, y)) + gains[n + i] * (2 * v - at(x, y - 1) - at(x, y + 1)))
                    worst = max(worst, abs(out[c * n + i] - want))
                }
            }
        }
        #expect(worst < 1e-6, "largest difference from the formula \(worst)")
    }
}
