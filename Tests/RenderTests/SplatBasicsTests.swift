import Graph
import Testing
import Render

@Suite("Splatting: exact cases")
struct SplatBasicsTests {
    @Test(arguments: RenderQuality.allCases)
    func zeroMotionRendersTheInputExactly(quality: RenderQuality) {
        let w = 37, h = 23
        let image = Fixture.texture(width: w, height: h, alpha: true)
        let renderer = SplatRenderer(width: w, height: h, quality: quality)
        let out = renderer.render(image, field: [Float](repeating: 0, count: 2 * w * h),
                                  weights: [Float](repeating: 0, count: w * h))
        #expect(out.data == image.data)
        #expect(out.alpha == image.alpha)
        #expect(renderer.lastHoleCount == 0)
    }

    @Test(arguments: RenderQuality.allCases)
    func integerTranslationShiftsTheImage(quality: RenderQuality) {
        let w = 40, h = 30, dx = 3, dy = -2
        let image = Fixture.texture(width: w, height: h, alpha: true)
        let field = Fixture.uniformField(width: w, height: h, dx: Float(dx), dy: Float(dy))
        let renderer = SplatRenderer(width: w, height: h, quality: quality)
        let out = renderer.render(image, field: field, weights: [Float](repeating: Float(13).squareRoot(), count: w * h))
        let n = w * h
        var mismatches = 0
        for y in 0..<h {
            for x in 0..<w {
                let sx = x - dx, sy = y - dy
                guard sx >= 0, sx < w, sy >= 0, sy < h else { continue }
                for c in 0..<3 {
                    let got: Float = out.data[c * n + y * w + x], want: Float = image.data[c * n + sy * w + sx]
                    if got != want { mismatches += 1 }
                }
                if out.alpha![y * w + x] != image.alpha![sy * w + sx] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // The uncovered strips (3 columns, 2 rows) are holes, all filled with finite colours.
        #expect(renderer.lastHoleCount == dx * h + abs(dy) * w - dx * abs(dy))
        #expect(out.data.allSatisfy { $0.isFinite })
    }

    @Test(arguments: RenderQuality.allCases)
    func subPixelTranslationSamplesTheBSplineOfI0(quality: RenderQuality) {
        // The splatted motion of a uniform translation is exact, so each pixel is I0's B-spline
        // sampled at q - F.
        let w = 48, h = 32
        let dx: Float = 0.3, dy: Float = 0.65
        let image = Fixture.texture(width: w, height: h)
        let out = SplatRenderer(width: w, height: h, quality: quality)
            .render(image, field: Fixture.uniformField(width: w, height: h, dx: dx, dy: dy),
                    weights: [Float](repeating: 0.7, count: w * h))
        let spline = BSplineImage(image, kernel: quality.kernel)
        defer { spline.deallocate() }
        var worst: Float = 0
        for y in 2..<(h - 2) {
            for x in 2..<(w - 2) {
                let want = spline.sample(x: Float(x) - dx, y: Float(y) - dy)
                for c in 0..<3 { worst = max(worst, abs(out.data[c * w * h + y * w + x] - min(max(want[c], 0), 1))) }
            }
        }
        #expect(worst < 1e-5, "max interior error \(worst)")
    }

    @Test(arguments: RenderQuality.allCases)
    func colourSplatOfASubPixelTranslationIsBilinearInterpolation(quality: RenderQuality) {
        let w = 48, h = 32
        let dx: Float = 0.3, dy: Float = 0.65
        let image = Fixture.texture(width: w, height: h)
        let renderer = SplatRenderer(width: w, height: h, quality: quality, kernel: .splat)
        let out = renderer.render(image, field: Fixture.uniformField(width: w, height: h, dx: dx, dy: dy),
                                  weights: [Float](repeating: 0.7, count: w * h))
        var worst: Float = 0
        for c in 0..<3 {
            for y in 2..<(h - 2) {
                for x in 2..<(w - 2) {
                    let want = Fixture.bilinear(image, plane: c, x: Float(x) - dx, y: Float(y) - dy)
                    worst = max(worst, abs(out.data[c * w * h + y * w + x] - want))
                }
            }
        }
        #expect(worst < 1e-5, "max interior error \(worst)")
    }

    @Test func alphaZeroIsAverageSplatting() {
        // Two sources land on one pixel: softmax prefers the larger W, alpha 0 averages them.
        let w = 4, h = 1
        let image = RGBImage(width: w, height: h, data: [0, 1, 0, 0] + [Float](repeating: 0, count: 8))
        var field = [Float](repeating: 0, count: 2 * w * h)
        field[1] = 1  // pixel 1 (red 1) moves onto pixel 2 (red 0)
        let weights: [Float] = [0, 1, 0, 0]
        // (The colour splat shows the weights in the colours; the B-spline kernels weigh the
        // displacements the same way, see OcclusionTests.)
        let soft = SplatRenderer(width: w, height: h, alpha: 2, kernel: .splat).render(image, field: field, weights: weights)
        let average = SplatRenderer(width: w, height: h, alpha: 0, kernel: .splat).render(image, field: field, weights: weights)
        #expect(abs(average.data[2] - 0.5) < 1e-6)
        #expect(abs(soft.data[2] - Float(7.389056 / 8.389056)) < 1e-5)  // e^2 / (e^2 + 1)
    }

    @Test func nonFiniteMotionIsSkipped() {
        let w = 16, h = 12
        let image = Fixture.texture(width: w, height: h)
        var field = [Float](repeating: 0.5, count: 2 * w * h)
        field[5] = .nan
        field[w * h + 40] = .infinity
        var weights = [Float](repeating: 1, count: w * h)
        weights[7] = .nan
        for quality in RenderQuality.allCases {
            let out = SplatRenderer(width: w, height: h, quality: quality).render(image, field: field, weights: weights)
            #expect(out.data.allSatisfy { $0.isFinite })
        }
    }

    @Test func intoReusesTheOutputAndDropsStaleAlpha() {
        let w = 20, h = 10
        let image = Fixture.texture(width: w, height: h)
        let renderer = SplatRenderer(width: w, height: h)
        var out = RGBImage(width: w, height: h, data: [Float](repeating: 9, count: 3 * w * h),
                           alpha: [Float](repeating: 9, count: w * h))
        let field = [Float](repeating: 0, count: 2 * w * h)
        field.withUnsafeBufferPointer {
            renderer.render(image, field: $0, weights: [Float](repeating: 0, count: w * h), into: &out)
        }
        #expect(out.data == image.data)
        #expect(out.alpha == nil)
    }
}
