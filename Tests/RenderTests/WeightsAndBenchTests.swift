import Foundation
import Graph
import SpectralVolume
import Testing
import Bench
import Render

@Suite("Motion weights, quality comparison, benchmark")
struct WeightsAndBenchTests {
    @Test func weightsOfAPureCosineAreItsMeanMagnitude() throws {
        // F_t = A cos(2 pi k t / N) along x: mean |F| = 2A / pi.
        let w = 6, h = 4, amp: Float = 3
        var volume = try SpectralVolume(frequencies: 16, width: w, height: h)
        for y in 0..<h {
            for x in 0..<w { volume.setCoefficient(k: 2, axis: 0, y: y, x: x, (re: amp / 2, im: 0)) }
        }
        let weights = MotionWeights.compute(volume: volume, samples: 64)
        #expect(weights.count == w * h)
        for v in weights { #expect(abs(v - 2 * amp / Float.pi) < 0.02, "W \(v)") }
    }

    @Test func splattingBeatsBackwardWarpAndAverageSplatOnAMovingDisk() {
        // Ground truth: the same disk drawn at its moved place over the full background.
        let w = 96, h = 64
        let (image, inside) = Fixture.diskScene(width: w, height: h, cx: 40, cy: 32, r: 12)
        var fields: [[Float]] = [], frames: [RGBImage] = []
        for step in 1...4 {
            let dx = Float(step) * 2, dy = Float(step)
            fields.append(Fixture.diskMotion(inside: inside, dx: dx, dy: dy).field)
            frames.append(Fixture.diskScene(width: w, height: h, cx: 40 + dx, cy: 32 + dy, r: 12).image)
        }
        let scores = RenderComparison.compare(reference: image, fields: fields, frames: frames)
        print(RenderComparison.report(scores))
        let byVariant = Dictionary(uniqueKeysWithValues: scores.map { ($0.variant, $0) })
        let best = byVariant[.splatBest]!
        #expect(scores.count == RenderVariant.allCases.count)
        #expect(best.psnr.count == 4)
        for other in [RenderVariant.backwardWarp, .averageSplat] {
            #expect(best.meanPSNR > byVariant[other]!.meanPSNR, "\(RenderComparison.report(scores))")
            #expect(best.meanSSIM > byVariant[other]!.meanSSIM, "\(RenderComparison.report(scores))")
        }
    }

    @Test func textureGateSilencesFlatRegionsOnly() {
        // Left half flat grey, right half textured; W = 5 px everywhere.
        let w = 40, h = 20, n = w * h
        let textured = Fixture.texture(width: w, height: h)
        var data = textured.data
        for c in 0..<3 { for y in 0..<h { for x in 0..<(w / 2) { data[c * n + y * w + x] = 0.5 } } }
        let gated = MotionWeights.textureGated([Float](repeating: 5, count: n),
                                               image: RGBImage(width: w, height: h, data: data))
        #expect(gated[10 * w + 5] == 0)
        #expect(gated[10 * w + 32] > 4)
        #expect(gated.allSatisfy { $0 >= 0 && $0 <= 5 })
    }

    @Test func textureFillGivesAFlatInsideItsRimsWeight() {
        // A flat square (the white core of a flame) with a textured rim, moving 6 px, on a flat
        // still backdrop (W 0) far from it.
        let w = 96, h = 64, n = w * h
        let textured = Fixture.texture(width: w, height: h)
        var data = [Float](repeating: 0.1, count: 3 * n)
        var weights = [Float](repeating: 0, count: n)
        for y in 8..<40 {
            for x in 8..<40 {
                let rim = y < 12 || y >= 36 || x < 12 || x >= 36
                for c in 0..<3 { data[c * n + y * w + x] = rim ? textured.data[c * n + y * w + x] : 0.9 }
                weights[y * w + x] = 6
            }
        }
        let image = RGBImage(width: w, height: h, data: data)
        let gated = MotionWeights.textureGated(weights, image: image)
        let filled = MotionWeights.textureFilled(weights, image: image)
        #expect(gated[24 * w + 24] < 0.5, "the plain gate ranks the flat inside as background")
        #expect(filled[24 * w + 24] > 4, "filled from the rim: \(filled[24 * w + 24])")
        #expect(filled[24 * w + 10] > 4)
        #expect(filled[50 * w + 85] < 0.1, "the backdrop far from anything textured stays still: \(filled[50 * w + 85])")
        #expect(filled.allSatisfy { $0 >= 0 && $0 <= 6.001 }, "range \(filled.min()!) ... \(filled.max()!)")
    }

    @Test func metricsOfIdenticalAndDifferentPictures() {
        let a = Fixture.texture(width: 40, height: 30, seed: 1)
        let b = Fixture.texture(width: 40, height: 30, seed: 2)
        #expect(ImageMetrics.psnr(a, a) == .infinity)
        #expect(abs(ImageMetrics.ssim(a, a) - 1) < 1e-9)
        #expect(ImageMetrics.psnr(a, b) < 30)
        #expect(ImageMetrics.ssim(a, b) < 0.9)
    }

    @Test func gmsdSeesStructureNotLevels() {
        let a = Fixture.texture(width: 64, height: 48, seed: 3)
        let n = a.planeSize, w = a.width, h = a.height
        // Box blurs of growing radius, and a uniform brightness offset.
        func blurred(_ r: Int) -> RGBImage {
            var data = a.data
            for c in 0..<3 {
                var plane = Array(data[(c * n)..<((c + 1) * n)])
                BoxFilter.mean(&plane, width: w, height: h, radius: r)
                data.replaceSubrange((c * n)..<((c + 1) * n), with: plane)
            }
            return RGBImage(width: w, height: h, data: data)
        }
        let brighter = RGBImage(width: w, height: h, data: a.data.map { $0 + 0.05 })
        #expect(ImageMetrics.gmsd(a, a) == 0)
        let g1 = ImageMetrics.gmsd(a, blurred(1)), g2 = ImageMetrics.gmsd(a, blurred(2))
        #expect(g1 > 0.001 && g2 > 2 * g1, "blur 1: \(g1), blur 2: \(g2)")
        #expect(abs(ImageMetrics.gmsd(a, blurred(2)) - ImageMetrics.gmsd(blurred(2), a)) < 1e-12)
        // A uniform offset costs PSNR (26 dB) but leaves every gradient as it was.
        #expect(ImageMetrics.psnr(a, brighter) < 27)
        #expect(ImageMetrics.gmsd(a, brighter) < 1e-9)
    }

    /// The figures at 512x288: `GID_RENDER_BENCH=1 swift test -c release --filter RenderBenchmarkFigures`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GID_RENDER_BENCH"] != nil))
    func renderBenchmarkFigures() {
        print(RenderBenchmark.run())
    }

    @Test func benchmarkReportsEveryRenderer() {
        let report = RenderBenchmark.run(width: 64, height: 36, frames: 2, runs: 1)
        #expect(report.contains("backward warp (peer)"))
        #expect(report.contains("splat fast"))
        #expect(report.contains("splat best"))
        #expect(!report.contains("could not"))
    }
}
