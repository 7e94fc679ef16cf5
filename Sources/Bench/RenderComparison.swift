import Foundation
import Graph
import Render

/// The renderers compared in issue 6's quality figures.
public enum RenderVariant: String, CaseIterable, Sendable {
    /// Softmax splatting, `fast` preset.
    case splatFast = "splat-fast"
    /// Softmax splatting, `best` preset.
    case splatBest = "splat-best"
    /// `best` with the colours splatted bilinearly (`ResampleKernel.splat`): the soft renderer
    /// the B-spline sampling replaced, kept to measure what it changed.
    case colourSplatBest = "colour-splat-best"
    /// Average splatting (alpha = 0), `best` preset otherwise: isolates what the weights W buy.
    case averageSplat = "average-splat"
    /// Bilinear backward warp, I_t(q) = I0(q - F_t(q)) (the reference `BackwardWarp`).
    case backwardWarp = "backward-warp"
    /// I0 itself, no motion: the floor any motion has to beat to be worth rendering.
    case still = "still-I0"
}

/// One variant's scores against the real frames.
public struct RenderScore: Sendable {
    /// Which renderer.
    public var variant: RenderVariant
    /// PSNR per frame, dB.
    public var psnr: [Double]
    /// SSIM per frame.
    public var ssim: [Double]
    /// GMSD per frame (lower is better).
    public var gmsd: [Double] = []
    /// Per rendered frame (frame 0 included when the scorer was started with it): its detail
    /// (`ImageMetrics.detail`) over I0's.
    public var detail: [Double] = []
    /// Mean absolute difference of each rendered frame and the one before.
    public var steps: [Double] = []
    /// Mean absolute difference of the last rendered frame and the first, over the median step:
    /// how a clip of these frames would jump when it loops (nil before two frames).
    public var seam: Double?

    /// Detail pulse over the frames: sharpest over softest.
    public var pulse: Double { detail.isEmpty ? .nan : detail.max()! / max(1e-12, detail.min()!) }

    /// Mean PSNR over frames (infinite frames, i.e. exact ones, are capped at 100 dB).
    public var meanPSNR: Double { psnr.isEmpty ? .nan : psnr.map { min($0, 100) }.reduce(0, +) / Double(psnr.count) }
    /// Mean SSIM over frames.
    public var meanSSIM: Double { ssim.isEmpty ? .nan : ssim.reduce(0, +) / Double(ssim.count) }
    /// Mean GMSD over frames.
    public var meanGMSD: Double { gmsd.isEmpty ? .nan : gmsd.reduce(0, +) / Double(gmsd.count) }
}

/// Streams (field, real frame) pairs through every variant and keeps the scores: the real-clip
/// comparison without holding a window of frames in memory. Each variant renders into its own
/// reused picture; the real frame's SSIM statistics are computed once per frame.
public final class RenderScorer {
    /// I0.
    public let reference: RGBImage
    /// W, (H, W) pixels.
    public let weights: [Float]
    /// Pixels left out of the scores on each side.
    public let border: Int
    /// Scores so far, one per variant in the order asked for, each with its seam (last picture
    /// against the first, computed here once rather than after every frame).
    public var scores: [RenderScore] {
        var out = series
        for v in out.indices where !out[v].steps.isEmpty {
            guard let start = first[v], let last = previous[v] else { continue }
            let median = out[v].steps.sorted()[out[v].steps.count / 2]
            out[v].seam = ImageMetrics.meanAbsoluteDifference(last, start, border: border) / max(1e-12, median)
        }
        return out
    }
    /// The per-frame series behind `scores`.
    private var series: [RenderScore]
    private let renderers: [SplatRenderer?]
    private var outputs: [RGBImage]
    /// Each variant's first and latest picture (for the steps and the seam).
    private var first: [RGBImage?]
    private var previous: [RGBImage?]
    /// I0's detail.
    private let baseDetail: Double
    /// Called with each variant's picture as it is scored (e.g. to save some for a metric that
    /// runs elsewhere, such as LPIPS in Python); nil = not called.
    public var observer: ((RenderVariant, RGBImage) -> Void)?

    /// Prepares the variants for `reference` and its weights W.
    public init(reference: RGBImage, weights: [Float], alpha: Float = SplatRenderer.defaultAlpha, border: Int = 0,
                variants: [RenderVariant] = RenderVariant.allCases, threads: Int = 2) {
        let w = reference.width, h = reference.height
        precondition(weights.count == w * h, "RenderScorer: \(weights.count) weights for \(w)x\(h)")
        self.reference = reference
        self.weights = weights
        self.border = border
        series = variants.map { RenderScore(variant: $0, psnr: [], ssim: []) }
        renderers = variants.map { variant in
            switch variant {
            case .splatFast: SplatRenderer(width: w, height: h, quality: .fast, alpha: alpha, threads: threads)
            case .splatBest: SplatRenderer(width: w, height: h, quality: .best, alpha: alpha, threads: threads)
            case .colourSplatBest: SplatRenderer(width: w, height: h, quality: .best, alpha: alpha, threads: threads, kernel: .splat)
            case .averageSplat: SplatRenderer(width: w, height: h, quality: .best, alpha: 0, threads: threads)
            case .backwardWarp, .still: nil
            }
        }
        outputs = variants.map { _ in RGBImage(width: w, height: h) }
        first = variants.map { _ in nil }
        previous = variants.map { _ in nil }
        baseDetail = max(1e-12, ImageMetrics.detail(reference, border: border))
    }

    /// Renders frame 0 (its field from I0, zero for measured motion) with every variant without
    /// scoring it: it starts the steps, and the seam compares the last frame with it.
    public func start(field: UnsafeBufferPointer<Float>) {
        for v in series.indices { track(v, render(v, field: field)) }
    }

    /// Variant v's picture for `field`.
    private func render(_ v: Int, field: UnsafeBufferPointer<Float>) -> RGBImage {
        switch series[v].variant {
        case .still:
            return reference
        case .backwardWarp:
            return BackwardWarp.warp(reference, field: Array(field), weights: weights)
        default:
            renderers[v]!.render(reference, field: field, weights: weights, into: &outputs[v])
            return outputs[v]
        }
    }

    /// Detail and step of variant v's next picture.
    private func track(_ v: Int, _ out: RGBImage) {
        series[v].detail.append(ImageMetrics.detail(out, border: border) / baseDetail)
        if let last = previous[v] { series[v].steps.append(ImageMetrics.meanAbsoluteDifference(out, last, border: border)) }
        if first[v] == nil { first[v] = out }
        previous[v] = out
    }

    /// Renders I0 by `field` ((2, H, W), I0 -> frame) with every variant and scores it against `frame`.
    public func add(field: UnsafeBufferPointer<Float>, frame: RGBImage) {
        precondition(frame.width == reference.width && frame.height == reference.height, "RenderScorer: frame size differs from I0")
        let target = ImageMetrics.SSIMReference(frame)
        for v in series.indices {
            let out = render(v, field: field)
            track(v, out)
            observer?(series[v].variant, out)
            series[v].psnr.append(ImageMetrics.psnr(out, frame, border: border))
            series[v].ssim.append(ImageMetrics.ssim(out, target, border: border))
            series[v].gmsd.append(ImageMetrics.gmsd(out, frame, border: border))
        }
    }

    /// `add` with the field as an array.
    public func add(field: [Float], frame: RGBImage) {
        field.withUnsafeBufferPointer { add(field: $0, frame: frame) }
    }
}

/// Entry point for the real-clip comparison: render every frame from I0 with each variant and
/// score it against the real frame.
public enum RenderComparison {
    /// Renders `reference` (I0) by each of `fields` ((2, H, W) displacements from I0 to frame t,
    /// e.g. measured optical flow) with every variant and scores against `frames` (the real
    /// frames t, same order). `weights` defaults to the paper's W = mean_t ||F_t|| over `fields`.
    /// `border` pixels on each side are left out of the scores (flow is unreliable there).
    public static func compare(reference: RGBImage, fields: [[Float]], frames: [RGBImage], weights: [Float]? = nil,
                               alpha: Float = SplatRenderer.defaultAlpha, border: Int = 0,
                               variants: [RenderVariant] = RenderVariant.allCases, threads: Int = 2) -> [RenderScore] {
        precondition(fields.count == frames.count, "compare: \(fields.count) fields for \(frames.count) frames")
        let motion = weights ?? MotionWeights.compute(fields: fields, width: reference.width, height: reference.height)
        let scorer = RenderScorer(reference: reference, weights: motion, alpha: alpha, border: border,
                                  variants: variants, threads: threads)
        for (field, frame) in zip(fields, frames) { scorer.add(field: field, frame: frame) }
        return scorer.scores
    }

    /// One line per variant: mean PSNR, SSIM and GMSD.
    public static func report(_ scores: [RenderScore]) -> String {
        scores.map { s in
            "\(s.variant.rawValue): PSNR \(String(format: "%.2f", s.meanPSNR)) dB, SSIM \(String(format: "%.4f", s.meanSSIM)), GMSD \(String(format: "%.4f", s.meanGMSD)) over \(s.psnr.count) frames"
        }.joined(separator: "\n")
    }
}
