import Foundation
import Graph

/// The renderers compared in issue 6's quality figures.
public enum RenderVariant: String, CaseIterable, Sendable {
    /// Softmax splatting, `fast` preset.
    case splatFast = "splat-fast"
    /// Softmax splatting, `best` preset.
    case splatBest = "splat-best"
    /// Average splatting (alpha = 0), `best` preset otherwise: isolates what the weights W buy.
    case averageSplat = "average-splat"
    /// Bilinear backward warp, I_t(q) = I0(q - F_t(q)) (the reference `BackwardWarp`).
    case backwardWarp = "backward-warp"
}

/// One variant's scores against the real frames.
public struct RenderScore: Sendable {
    /// Which renderer.
    public var variant: RenderVariant
    /// PSNR per frame, dB.
    public var psnr: [Double]
    /// SSIM per frame.
    public var ssim: [Double]

    /// Mean PSNR over frames (infinite frames, i.e. exact ones, are capped at 100 dB).
    public var meanPSNR: Double { psnr.isEmpty ? .nan : psnr.map { min($0, 100) }.reduce(0, +) / Double(psnr.count) }
    /// Mean SSIM over frames.
    public var meanSSIM: Double { ssim.isEmpty ? .nan : ssim.reduce(0, +) / Double(ssim.count) }
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
        let w = reference.width, h = reference.height
        let motion = weights ?? MotionWeights.compute(fields: fields, width: w, height: h)
        return variants.map { variant in
            var score = RenderScore(variant: variant, psnr: [], ssim: [])
            let renderer: SplatRenderer? = switch variant {
            case .splatFast: SplatRenderer(width: w, height: h, quality: .fast, alpha: alpha, threads: threads)
            case .splatBest: SplatRenderer(width: w, height: h, quality: .best, alpha: alpha, threads: threads)
            case .averageSplat: SplatRenderer(width: w, height: h, quality: .best, alpha: 0, threads: threads)
            case .backwardWarp: nil
            }
            for (field, frame) in zip(fields, frames) {
                let out = renderer?.render(reference, field: field, weights: motion)
                    ?? BackwardWarp.warp(reference, field: field, weights: motion)
                score.psnr.append(ImageMetrics.psnr(out, frame, border: border))
                score.ssim.append(ImageMetrics.ssim(out, frame, border: border))
            }
            return score
        }
    }

    /// One line per variant: mean PSNR and SSIM.
    public static func report(_ scores: [RenderScore]) -> String {
        scores.map { s in
            "\(s.variant.rawValue): PSNR \(String(format: "%.2f", s.meanPSNR)) dB, SSIM \(String(format: "%.4f", s.meanSSIM)) over \(s.psnr.count) frames"
        }.joined(separator: "\n")
    }
}
