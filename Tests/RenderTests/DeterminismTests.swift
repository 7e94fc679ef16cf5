import Foundation
import Graph
import Testing
import Render

@Suite("Determinism and temporal smoothness")
struct DeterminismTests {
    /// A smooth, non-uniform field with stretched and compressed areas plus a disk that jumps.
    static func wavyField(width w: Int, height h: Int, t: Float) -> [Float] {
        var f = [Float](repeating: 0, count: 2 * w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let fx = Float(x), fy = Float(y)
                let jump: Float = hypotf(fx - 30, fy - 20) < 8 ? 6 * t : 0
                f[i] = 3 * t * sinf(fx * 0.15 + fy * 0.05) + jump
                f[w * h + i] = 2 * t * cosf(fy * 0.2 - fx * 0.04)
            }
        }
        return f
    }

    @Test(arguments: RenderQuality.allCases)
    func oneAndTwoThreadsGiveIdenticalPictures(quality: RenderQuality) {
        let w = 71, h = 53
        let image = Fixture.texture(width: w, height: h, alpha: true)
        let field = Self.wavyField(width: w, height: h, t: 1)
        let weights = MotionWeights.compute(fields: [field, Self.wavyField(width: w, height: h, t: -0.5)], width: w, height: h)
        let one = SplatRenderer(width: w, height: h, quality: quality, threads: 1).render(image, field: field, weights: weights)
        for threads in [2, 3, 4] {
            let many = SplatRenderer(width: w, height: h, quality: quality, threads: threads)
            let a = many.render(image, field: field, weights: weights)
            let b = many.render(image, field: field, weights: weights)
            #expect(a.data == one.data, "\(threads) threads")
            #expect(a.alpha == one.alpha)
            #expect(b.data == a.data, "repeat render")
        }
    }

    @Test func changingWeightsAreNotServedFromTheCache() {
        let w = 30, h = 20
        let image = Fixture.texture(width: w, height: h)
        let field = Self.wavyField(width: w, height: h, t: 1)
        let renderer = SplatRenderer(width: w, height: h)
        var weights = [Float](repeating: 0, count: w * h)
        let before = renderer.render(image, field: field, weights: weights)
        for i in 0..<(w * h) where i % 3 == 0 { weights[i] = 5 }
        let after = renderer.render(image, field: field, weights: weights)
        let fresh = SplatRenderer(width: w, height: h).render(image, field: field, weights: weights)
        #expect(after.data == fresh.data)
        #expect(after.data != before.data)
    }

    @Test(arguments: RenderQuality.allCases)
    func smallStepsInTimeGiveSmallChanges(quality: RenderQuality) {
        // No flicker: the picture is a continuous function of the field, holes and fill included.
        let w = 64, h = 48
        let image = Fixture.texture(width: w, height: h)
        let weights = MotionWeights.compute(fields: [Self.wavyField(width: w, height: h, t: 1)], width: w, height: h)
        let renderer = SplatRenderer(width: w, height: h, quality: quality)
        var previous: RGBImage? = nil
        var worstMean: Float = 0
        for step in 0...20 {
            let t = 0.5 + Float(step) * 0.005
            let out = renderer.render(image, field: Self.wavyField(width: w, height: h, t: t), weights: weights)
            if let p = previous {
                let mean = zip(out.data, p.data).map { abs($0 - $1) }.reduce(0, +) / Float(out.data.count)
                worstMean = max(worstMean, mean)
            }
            previous = out
        }
        #expect(worstMean < 0.01, "largest mean change between steps of 0.005 in t: \(worstMean)")
    }
}
