import Foundation
import Graph
import Render
import Testing

@Suite("B-spline resampling")
struct BSplineTests {
    /// A picture with detail at every scale (a deterministic pseudo-random texture).
    static func texture(_ w: Int, _ h: Int) -> [Float] {
        var state: UInt32 = 12345
        return (0..<(3 * w * h)).map { _ in
            state = state &* 1664525 &+ 1013904223
            return Float(state >> 8) / Float(1 << 24)
        }
    }

    @Test(arguments: [ResampleKernel.cubic, .quintic])
    func samplesAtPixelCentresReproduceThePicture(kernel: ResampleKernel) {
        let w = 37, h = 23
        let rgb = Self.texture(w, h)
        let image = BSplineImage(RGBImage(width: w, height: h, data: rgb), kernel: kernel)
        defer { image.deallocate() }
        var worst: Float = 0
        for y in 0..<h {
            for x in 0..<w {
                let v = image.sample(x: Float(x), y: Float(y))
                for c in 0..<3 { worst = max(worst, abs(v[c] - rgb[c * w * h + y * w + x])) }
                worst = max(worst, abs(v[3] - 1))
            }
        }
        #expect(worst < 1e-4, "\(kernel): largest error \(worst)")
    }

    @Test(arguments: [ResampleKernel.cubic, .quintic])
    func aSmoothPictureIsSampledBetweenPixelsAccurately(kernel: ResampleKernel) {
        // A slow cosine is reproduced between pixels to within a small fraction of its amplitude.
        let w = 64, h = 48
        func f(_ x: Float, _ y: Float) -> Float { 0.5 + 0.4 * cos(0.3 * x + 0.2 * y) }
        var rgb = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { rgb[c * w * h + y * w + x] = f(Float(x), Float(y)) } } }
        let image = BSplineImage(RGBImage(width: w, height: h, data: rgb), kernel: kernel, threads: 1)
        defer { image.deallocate() }
        var worst: Float = 0
        for y in stride(from: Float(8.3), to: Float(h - 8), by: 1.7) {
            for x in stride(from: Float(8.6), to: Float(w - 8), by: 1.3) {
                worst = max(worst, abs(image.sample(x: x, y: y)[0] - f(x, y)))
            }
        }
        #expect(worst < 2e-3, "\(kernel): largest error \(worst)")
    }
}
