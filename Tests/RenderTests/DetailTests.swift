import Foundation
import Graph
import MediaIO
import Render
import Testing

/// Frames keep the photo's fine detail however far between pixels the motion puts them.
@Suite("Detail of rendered frames")
struct DetailTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A real photo at full size (its detail reaches the pixel grid: a resized copy would be softer).
    static func photo() throws -> RGBImage {
        let reader = try MediaReader(path: repo.appendingPathComponent("Samples/stills/bythewater.jpg").path)
        return try #require(try reader.nextFrame()).rgb()
    }

    /// A corner of the photo, for the cases that need no particular detail (fast in a debug build).
    static func crop() throws -> RGBImage {
        let full = try photo()
        let w = 96, h = 64
        var data = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { data[c * w * h + y * w + x] = full.data[c * full.planeSize + y * full.width + x] } } }
        return RGBImage(width: w, height: h, data: data)
    }

    /// Detail of the frames of a uniform motion (dx(t), dy(t)) at loop phases `phases` over I0's.
    static func detailRatios(_ image: RGBImage, renderer: SplatRenderer, phases: [Double],
                             motion: (Double) -> (Float, Float)) -> [Double] {
        let n = image.planeSize
        let base = ImageMetrics.detail(image, border: 4)
        var ratios: [Double] = []
        for phase in phases {
            let (dx, dy) = motion(phase)
            let field = [Float](repeating: dx, count: n) + [Float](repeating: dy, count: n)
            let weights = [Float](repeating: (dx * dx + dy * dy).squareRoot(), count: n)
            ratios.append(ImageMetrics.detail(renderer.render(image, field: field, weights: weights), border: 4) / base)
        }
        return ratios
    }

    static func sway(_ t: Double) -> (Float, Float) { (Float(0.5 * sin(2 * .pi * t)), 0) }
    static func circle(_ t: Double) -> (Float, Float) { (Float(0.5 * cos(2 * .pi * t)), Float(0.5 * sin(2 * .pi * t))) }

    @Test(arguments: RenderQuality.allCases)
    func aSubPixelSwayKeepsNineTenthsOfTheDetailInEveryFrame(quality: RenderQuality) throws {
        let image = try Self.photo()
        let renderer = SplatRenderer(width: image.width, height: image.height, quality: quality)
        // Phases 0, 1/8, 1/4: 0, 0.35 and 0.5 px, the worst a sway of 0.5 px reaches (the rest
        // of the loop mirrors them).
        let ratios = Self.detailRatios(image, renderer: renderer, phases: [0, 0.125, 0.25], motion: Self.sway)
        #expect(ratios.min()! >= 0.9, "\(quality): \(ratios)")
        #expect(ratios.max()! / ratios.min()! <= 1.2, "pulse, \(quality): \(ratios)")
        // The colour splat it replaced loses more (the measure can fail).
        let soft = SplatRenderer(width: image.width, height: image.height, quality: quality, kernel: .splat)
        #expect(Self.detailRatios(image, renderer: soft, phases: [0.25], motion: Self.sway).min()! < 0.85)
    }

    @Test func diagonalHalfPixelsKeepMostOfTheDetail() throws {
        // Between pixels on both axes every interpolator loses more (the picture's diagonal high
        // frequencies: 0.85 at (0.35, 0.35) px here, 0.74-0.78 on a crop of fine ripples); the
        // B-spline still keeps about twice what the colour splat kept.
        let image = try Self.photo()
        let best = SplatRenderer(width: image.width, height: image.height, quality: .best)
        let soft = SplatRenderer(width: image.width, height: image.height, quality: .best, kernel: .splat)
        let sharp = Self.detailRatios(image, renderer: best, phases: [0.125], motion: Self.circle)  // (0.35, 0.35) px
        let before = Self.detailRatios(image, renderer: soft, phases: [0.125], motion: Self.circle)
        #expect(sharp.min()! >= 0.7, "\(sharp)")
        #expect(sharp.min()! >= 1.8 * before.min()!, "B-spline \(sharp.min()!) vs splat \(before.min()!)")
    }

    @Test(arguments: ResampleKernel.allCases)
    func aZeroFieldReproducesThePhotoExactly(kernel: ResampleKernel) throws {
        let image = try Self.crop()
        let n = image.planeSize
        let out = SplatRenderer(width: image.width, height: image.height, quality: .best, kernel: kernel)
            .render(image, field: [Float](repeating: 0, count: 2 * n), weights: [Float](repeating: 0, count: n))
        #expect(out.data == image.data)
    }

    @Test func wholePixelShiftsAreExact() throws {
        // The B-spline interpolates: a shift by whole pixels moves the photo, nothing else.
        let image = try Self.crop()
        let w = image.width, h = image.height, n = w * h
        let field = [Float](repeating: 3, count: n) + [Float](repeating: -2, count: n)
        let out = SplatRenderer(width: w, height: h, quality: .fast).render(image, field: field, weights: [Float](repeating: 1, count: n))
        var worst: Float = 0
        for c in 0..<3 {
            for y in 8..<(h - 8) {
                for x in 8..<(w - 8) {
                    worst = max(worst, abs(out.data[c * n + y * w + x] - image.data[c * n + (y + 2) * w + x - 3]))
                }
            }
        }
        #expect(worst < 1e-4)
    }
}
