import Foundation
import Graph

/// Forward-warps a picture by a displacement field with softmax splatting (Niklaus & Liu 2020),
/// then fills holes by push-pull: the renderer of the paper's section 5, without the learned
/// synthesis network.
///
/// Frame t is `render(I0, field: F_t, weights: W)`: each source pixel p adds its displacement and
/// colour, weighted by `exp(alpha * W(p))` times the bilinear coefficients, to the 4 pixels around
/// p + F_t(p), and each pixel takes the weighted sums over the weight sum. W is the paper's
/// per-pixel motion magnitude, mean_t ||F_t(p)|| (see `MotionWeights`): larger motion is taken as
/// foreground and wins where several sources land on one pixel. `alpha = 0` is average splatting.
/// With a B-spline `kernel` the output is I0 sampled once at q - F(q) where the splats covered the
/// pixel and the motion is smooth, the splatted colour elsewhere (`writeResampled`); with
/// `kernel: .splat` it is the splatted colour everywhere (softer between whole pixels).
///
/// The renderer owns every buffer it needs (allocated once in `init`), so rendering a frame does
/// not allocate. Not thread-safe: one renderer per thread of callers; it parallelizes itself.
public final class SplatRenderer {
    /// Picture width in pixels.
    public let width: Int
    /// Picture height in pixels.
    public let height: Int
    /// Preset (see `RenderQuality`).
    public let quality: RenderQuality
    /// How colours come from I0 (see `ResampleKernel`).
    public let kernel: ResampleKernel
    /// Softmax temperature, per pixel of W: weight = exp(alpha * W(p)); 0 = average splatting.
    public let alpha: Float
    /// Worker threads (1 = the calling thread only). The result does not depend on it.
    public let threads: Int
    /// The scale of the test for chaotic motion (B-spline kernels): a pixel whose displacement
    /// departs from its neighbours' mean by `smoothDeparture` x this blends toward the splatted
    /// colour, fully from `chaoticDeparture` x this. 1 for measured motion as measured; the
    /// magnification for magnified measured motion (its noise grew with it); infinity turns the
    /// test off (predicted motion: a smooth model output, whose strong curvature under `poke` or
    /// `magnify` is not noise).
    public let chaosScale: Float
    /// Pixels that received no splat at all in the last `render` (filled by push-pull).
    public internal(set) var lastHoleCount = 0
    /// Pixels with splat coverage below one in the last `render` (blended with coarser scales).
    public internal(set) var lastPartialCount = 0

    /// The default alpha: with W in pixels, a source moving 2 px more on average than another
    /// outweighs it by e^4 ~ 55 where both land; 30 px of W range still stays in float range.
    public static let defaultAlpha: Float = 2

    /// Splat coverage from which a pixel counts as fully covered (not blended with the fill).
    static let fullCoverage: Float = 0.9

    /// (H*W) accumulator (level 0) followed by the push-pull pyramid levels, one SIMD8 per pixel.
    /// While splatting, lanes are: 0-2 w*rgb, 3 w*a, 4 w*W, 5 w, 6 coverage (sum of bilinear
    /// coefficients without the softmax weight). In the pyramid: 0-2 rgb, 3 a, 4 W, 7 confidence.
    /// B-spline kernels splat the motion: 0-1 w*F, 2-3 w*(r, g), 7 w*b, the rest as above; in the
    /// pyramid 0-1 F, 2-3 (r, g), 5 b, 6 (level 0 only) the splats' own confidence.
    let pyramid: UnsafeMutablePointer<SIMD8<Float>>
    /// Pyramid levels: level 0 is the full picture, each next one half the size (rounded up).
    let levels: [Level]
    /// (H*W) exp(alpha * W - max) for the cached weights.
    let softmax: UnsafeMutablePointer<Float>
    /// (H*W) each source pixel's splat vector (see `SplatSource.vector`) for the cached picture
    /// and weights: they change once per scene, so a frame's splat only reads its field.
    let vectors: UnsafeMutablePointer<SIMD8<Float>>
    /// (H) per source row: the lowest and highest target rows its splats can touch.
    let rowSpan: UnsafeMutablePointer<SIMD2<Int32>>
    /// (threads) per-band counters, so counting holes does not allocate per frame.
    let counters: UnsafeMutablePointer<SIMD2<Int>>
    /// (H) per row of level 0: whether it has a pixel below full coverage (rows without one are
    /// skipped by the last pull, the one pass of the fill that would otherwise scan every pixel).
    let partialRows: UnsafeMutablePointer<Bool>
    /// The W array `softmax` was computed from. Holding it keeps its storage alive, so if the
    /// caller passes an array with the same storage again it is the same, unmodified W (any
    /// mutation would have copied), and the exps are reused: they change once per scene.
    private var cachedWeights: [Float]? = nil
    /// The picture (colour and alpha storage) `vectors` were computed from; same reasoning.
    private var cachedImage: RGBImage? = nil
    /// I0's B-spline coefficients (B-spline kernels only; computed once per scene).
    let spline: BSplineImage?

    /// One pyramid level: its first pixel in `pyramid` and its size.
    struct Level {
        var offset: Int
        var width: Int
        var height: Int
    }

    /// Allocates all buffers for `width` x `height` pictures. `kernel` nil = the preset's own
    /// (`RenderQuality.kernel`).
    public init(width: Int, height: Int, quality: RenderQuality = .fast, alpha: Float = SplatRenderer.defaultAlpha,
                threads: Int = 2, kernel: ResampleKernel? = nil, chaosScale: Float = 1) {
        precondition(width > 0 && height > 0, "SplatRenderer: size \(width)x\(height) must be positive")
        precondition(alpha.isFinite && alpha >= 0, "SplatRenderer: alpha \(alpha) must be finite and >= 0")
        precondition(chaosScale > 0, "SplatRenderer: chaosScale \(chaosScale) must be positive (infinity: no chaos test)")
        self.chaosScale = chaosScale
        self.width = width
        self.height = height
        self.quality = quality
        self.kernel = kernel ?? quality.kernel
        self.alpha = alpha
        self.threads = max(1, threads)
        var levels = [Level(offset: 0, width: width, height: height)]
        var total = width * height
        while levels[levels.count - 1].width > 1 || levels[levels.count - 1].height > 1 {
            let last = levels[levels.count - 1]
            let next = Level(offset: total, width: (last.width + 1) / 2, height: (last.height + 1) / 2)
            total += next.width * next.height
            levels.append(next)
        }
        self.levels = levels
        pyramid = .allocate(capacity: total)
        pyramid.initialize(repeating: .zero, count: total)
        softmax = .allocate(capacity: width * height)
        softmax.initialize(repeating: 1, count: width * height)
        vectors = .allocate(capacity: width * height)
        vectors.initialize(repeating: .zero, count: width * height)
        rowSpan = .allocate(capacity: height)
        rowSpan.initialize(repeating: .zero, count: height)
        counters = .allocate(capacity: self.threads)
        counters.initialize(repeating: .zero, count: self.threads)
        partialRows = .allocate(capacity: height)
        partialRows.initialize(repeating: true, count: height)
        spline = self.kernel == .splat ? nil : BSplineImage(width: width, height: height, kernel: self.kernel)
    }

    deinit {
        pyramid.deallocate()
        softmax.deallocate()
        vectors.deallocate()
        rowSpan.deallocate()
        counters.deallocate()
        partialRows.deallocate()
        spline?.deallocate()
    }

    /// Renders `image` forward-warped by `field` ((2, H, W): x plane then y plane, in pixels),
    /// with per-pixel motion magnitudes `weights` ((H, W), pixels), into a new picture.
    public func render(_ image: RGBImage, field: UnsafeBufferPointer<Float>, weights: [Float]) -> RGBImage {
        var out = RGBImage(width: width, height: height)
        if image.alpha != nil { out.alpha = [Float](repeating: 1, count: width * height) }
        render(image, field: field, weights: weights, into: &out)
        return out
    }

    /// `render` with the field as an array.
    public func render(_ image: RGBImage, field: [Float], weights: [Float]) -> RGBImage {
        field.withUnsafeBufferPointer { render(image, field: $0, weights: weights) }
    }

    /// Renders into `out` (same size; reuses its storage, so a steady stream does not allocate).
    /// `out` gets an alpha plane exactly when `image` has one.
    public func render(_ image: RGBImage, field: UnsafeBufferPointer<Float>, weights: [Float],
                       into out: inout RGBImage) {
        let n = width * height
        precondition(image.width == width && image.height == height,
                     "SplatRenderer: image \(image.width)x\(image.height), renderer \(width)x\(height)")
        precondition(out.width == width && out.height == height,
                     "SplatRenderer: output \(out.width)x\(out.height), renderer \(width)x\(height)")
        precondition(field.count >= 2 * n, "SplatRenderer: field holds \(field.count) floats, want 2*\(height)*\(width)")
        precondition(weights.count == n, "SplatRenderer: weights hold \(weights.count) floats, want \(height)*\(width)")
        updateSources(image, weights)
        if image.alpha != nil, out.alpha?.count != n { out.alpha = [Float](repeating: 1, count: n) }
        if image.alpha == nil { out.alpha = nil }

        withSource(image, weights, field: field.baseAddress!) { splat($0) }
        fill()
        out.data.withUnsafeMutableBufferPointer { dst in
            if out.alpha != nil {
                out.alpha!.withUnsafeMutableBufferPointer { a in write(image, rgb: dst.baseAddress!, alpha: a.baseAddress) }
            } else {
                write(image, rgb: dst.baseAddress!, alpha: nil)
            }
        }
    }

    /// Level 0 to the output: its colours (`splat`), or I0 sampled at q - F(q) (B-spline kernels).
    private func write(_ image: RGBImage, rgb: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>?) {
        guard let spline else { return writeOutput(rgb: rgb, alpha: alpha) }
        image.data.withUnsafeBufferPointer { src in
            withOptionalPointer(image.alpha) { a in
                writeResampled(spline, source: src.baseAddress!, sourceAlpha: a, rgb: rgb, alpha: alpha)
            }
        }
    }

    /// Recomputes the softmax weights and the splat vectors unless `image` and `weights` are the
    /// arrays they came from.
    private func updateSources(_ image: RGBImage, _ weights: [Float]) {
        if let cached = cachedWeights, sameStorage(cached, weights), let picture = cachedImage,
           sameStorage(picture.data, image.data), sameStorage(picture.alpha, image.alpha) { return }
        updateSoftmax(weights)
        let n = width * height
        withSource(image, weights, field: nil) { source in
            if let spline {
                for i in 0..<n { vectors[i] = source.motionVector(i) }
                spline.load(rgb: source.rgb, alpha: source.alpha, threads: threads)
            } else {
                for i in 0..<n { vectors[i] = source.vector(i) }
            }
        }
        cachedImage = image
        cachedWeights = weights
    }

    /// Calls `body` with raw views of `image`, `weights` and `field`, valid only inside it. Without a
    /// field (`updateSources`) the source's field points at the picture: `vector(i)` never reads it.
    private func withSource(_ image: RGBImage, _ weights: [Float], field: UnsafePointer<Float>?,
                            _ body: (SplatSource) -> Void) {
        image.data.withUnsafeBufferPointer { src in
            weights.withUnsafeBufferPointer { w in
                withOptionalPointer(image.alpha) { alphaPlane in
                    body(SplatSource(rgb: src.baseAddress!, alpha: alphaPlane, field: field ?? src.baseAddress!,
                                     motion: w.baseAddress!, softmax: softmax, vectors: vectors,
                                     splatsMotion: spline != nil, width: width, height: height))
                }
            }
        }
    }

    /// Recomputes the softmax weights from `weights`.
    private func updateSoftmax(_ weights: [Float]) {
        let n = width * height
        var top = -Float.infinity
        for v in weights where v.isFinite { top = max(top, alpha * v) }
        if !top.isFinite { top = 0 }
        // Numerically stable softmax: exponents are <= 0; clamping at -60 keeps products with
        // bilinear coefficients and colours out of denormals (e^-60 ~ 1e-26).
        let s = softmax
        let a = alpha
        weights.withUnsafeBufferPointer { w in
            for i in 0..<n {
                let v = w[i].isFinite ? w[i] : 0
                s[i] = expf(max(a * v - top, -60))
            }
        }
    }
}

/// Whether two arrays share one storage buffer (and count).
private func sameStorage(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress } }
}

/// `sameStorage` for optional arrays: both absent, or both present and shared.
private func sameStorage(_ a: [Float]?, _ b: [Float]?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (x?, y?): sameStorage(x, y)
    default: false
    }
}

/// Calls `body` with the base address of `array`, or nil when there is no array.
private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Raw views of one frame's inputs, valid during `render`.
struct SplatSource {
    /// (3, H, W) planar RGB.
    var rgb: UnsafePointer<Float>
    /// (H, W) alpha, or nil.
    var alpha: UnsafePointer<Float>?
    /// (2, H, W) displacement, x plane then y plane.
    var field: UnsafePointer<Float>
    /// (H, W) motion magnitude W.
    var motion: UnsafePointer<Float>
    /// (H, W) exp(alpha * W - max).
    var softmax: UnsafePointer<Float>
    /// (H, W) precomputed `vector(i)`, or `motionVector(i)` when `splatsMotion` (valid during
    /// `splat`, not while it is being computed).
    var vectors: UnsafePointer<SIMD8<Float>>
    /// Whether lanes 0-1 carry the softmax-weighted displacement instead of colour (B-spline
    /// kernels: the motion is splatted and I0 sampled once at q - F(q)).
    var splatsMotion: Bool
    var width: Int
    var height: Int
}
