import Foundation
import Graph
import Render
import SpectralVolume

/// `render`: motion -> frames. Evaluates F_t for each output frame (the looping texture, or the
/// response to `poke`'s pulls) and warps I0 by it.
public final class RenderFilter: Filter {
    public struct Options: FilterOptions {
        public var fps = 0.0
        public var duration = 0.0
        public var size = ""
        public var quality = "best"
        public var alpha = 2.0
        public var unfold = 0.0
        public var kernel = "auto"
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("fps", \.fps, default: 0, range: 0...1000, help: "output frame rate; 0 = the scene's (30 for the paper's motion)"),
            .double("duration", \.duration, default: 0, range: 0...86400,
                    help: "output seconds, exactly (may not loop); 0 = the timeline's clip (one period, or what loop and slowmo made)"),
            .string("size", \.size, default: "", help: "output WxH (e.g. 1024x576); motion and picture are resampled bilinearly, displacements scaled; empty = the scene's size"),
            .choice("quality", \.quality, default: "best", choices: ["fast", "best"],
                    help: "softmax splatting of I0 with motion-magnitude weights: fast = one scale + push-pull hole fill; best = also fills small holes (disocclusions, up to ~8 px) from the background and sub-samples 2x2 where motion stretches the picture"),
            .choice("kernel", \.kernel, default: "auto", choices: ["auto"] + ResampleKernel.allCases.map(\.rawValue),
                    help: "how colours come from I0: cubic / quintic = splat the motion, then sample I0 once at q - F(q) with a B-spline (keeps the photo's detail in every frame); splat = splat the colours bilinearly (softer between whole pixels); auto = cubic for fast, quintic for best"),
            .double("alpha", \.alpha, default: 2, range: 0...100,
                    help: "softmax splatting sharpness: a pixel's weight is exp(alpha * W(p)), W = mean motion length in pixels (less in flat regions, where measured motion is noise); 0 = average splatting"),
            .double("unfold", \.unfold, default: 0, range: 0...100,
                    help: "smooth the motion where its gradient exceeds this many px per px, so it cannot fold into comb streaks (measured motion of soft shadows, magnified motion); 4 is a good start; 0 = off. Costs fidelity where chaotic motion is right (fire: -0.4 dB at 4)"),
        ]
    }

    public static let name = "render"
    public static let summary = "Motion -> frames: warp I0 by the displacement field F_t of each output time."
    public static let details = """
        Frame i (pts i, time base 1/fps) shows F at texture time i / (fps * slowmo); a clip of
        whole periods (the default, and loop=repeat) spreads any rounding over the clip, and an
        exact-length loop (loop=seconds) moves each frequency to a whole number of cycles, so the
        last frame flows into the first. Colours are sampled from I0 once per pixel with a
        B-spline after the motion is splatted (kernel), so every frame is as sharp as the photo. Inserted automatically where motion meets a filter
        or an output that wants frames.
        Examples:
          gid-filter -i scene.gidm -vf render=fps=60 out.mp4
          gid-filter -i scene.gidm -vf "render=size=1024x576:duration=3" out.webm
          gid-filter -i shadows.mp4 -vf "motion,loop=seconds=6,render=unfold=4" loop.mp4
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.frames

    public let output: StreamInfo
    private let label: String
    private let options: Options
    private let fps: Double
    private var nextPTS: Int64 = 0
    /// An exact-length loop that changes some term's speed by more than this gets a warning.
    static let speedChangeWarning = 0.3

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        self.options = options
        var out = input
        out.kind = .frames
        if !options.size.isEmpty {
            let (w, h) = try Self.parseSize(options.size, label: label)
            out.width = w
            out.height = h
        }
        if options.fps > 0 && options.fps < Limits.frameRate.lowerBound {
            throw GIDError.usage("\(label): fps=\(options.fps): below \(Limits.frameRate.lowerBound) (0 = the scene's rate)")
        }
        let rate = options.fps > 0 ? Rational(approximating: options.fps) : (input.frameRate ?? Rational(30, 1))
        fps = rate.value
        out.frameRate = rate
        out.timeBase = rate.inverted
        out.isStill = false
        out.pixelFormat = nil
        let seconds = options.duration > 0 ? options.duration : input.duration
        out.duration = seconds
        out.frameCount = seconds.map { ($0 * rate.value).clampedInt(1...Int(Int32.max)) }
        out.loops = input.loops && options.duration == 0  // duration= cuts anywhere
        output = out
    }

    static func parseSize(_ s: String, label: String) throws -> (Int, Int) {
        let parts = s.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], (1...16384).contains(w), (1...16384).contains(h) else {
            throw GIDError.usage("\(label): size=\(s): not a size WxH (1..16384 each)")
        }
        return (w, h)
    }

    /// Peak memory of a render, bytes: the volume at output size (16 bytes per frequency per
    /// pixel) plus the renderer's per-pixel buffers and a fixed base. Measured (peak RSS, 1000^2
    /// and 2000^2 pixels, K = 4 and 16): 251 and 440 bytes per pixel over about 80-160 MB.
    public static func peakBytes(width: Int, height: Int, frequencies: Int) -> Double {
        200e6 + Double(width) * Double(height) * Double(16 * frequencies + 200)
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        try Limits.checkMemory(Self.peakBytes(width: output.width, height: output.height, frequencies: scene.volume.frequencies),
                               "\(label): a \(output.width)x\(output.height) render of K=\(scene.volume.frequencies) motion")
        if scene.width != output.width || scene.height != output.height {
            scene = try scene.resized(width: output.width, height: output.height)
        }
        let renderer = try SceneRenderer(scene: scene, quality: RenderQuality(rawValue: options.quality) ?? .best,
                                         alpha: Float(options.alpha), unfold: Float(options.unfold),
                                         kernel: ResampleKernel(rawValue: options.kernel))
        let plan = options.duration > 0
            ? RenderPlan(seconds: options.duration, timeline: scene.timeline, volume: scene.volume, fps: fps)
            : scene.plan(fps: fps)
        if plan.speedChange > Self.speedChangeWarning {
            Log.warning(String(format: "%@: a %.2f s loop of a %.2f s motion period plays some of its motion %.0f%% faster or slower (each frequency is moved to a whole number of cycles per loop); loop=repeat=N keeps whole periods",
                               label, plan.duration, scene.timeline.period(window: scene.volume.windowSeconds), 100 * plan.speedChange))
        }
        try Limits.checkGenerated(plan.frameCount, String(format: "%@: a %g s clip at %g fps", label, plan.duration, fps))
        let timeBase = output.timeBase
        try renderer.render(plan) { image in
            try emit(.frame(Frame(image, pts: nextPTS, duration: 1, timeBase: timeBase)))
            nextPTS += 1
        }
    }
}

extension RenderFilter {
    /// Displacement fields the renderer evaluates per sgemm (a benchmark's peer batches alike).
    public static var fieldBatch: Int { SceneRenderer.batch }
}

/// Everything computed once per scene, and the per-frame loop.
struct SceneRenderer {
    /// I0.
    let image: RGBImage
    /// Raw coefficients (denormalized once, not per frame).
    let volume: SpectralVolume
    /// W(p) = mean_t ||F_t(p)|| over one period, (H, W) pixels (paper section 5), texture-gated,
    /// filled and smoothed (`MotionWeights.textureFilled`).
    let weights: [Float]
    /// Softmax splatting of I0 (owns its buffers: no allocation per frame).
    let splat: SplatRenderer
    /// Pulls and wind to play instead of the looping texture (`poke`, `breeze`), or nil.
    let dynamics: DynamicsPlayer?
    /// Fields evaluated per sgemm.
    static let batch = 8

    init(scene: Scene, quality: RenderQuality, alpha: Float, unfold: Float = 0, kernel: ResampleKernel? = nil) throws {
        image = scene.image
        // Fold-prone regions smoothed first (if asked): W and every field come from that volume.
        let volume = FoldLimiter.limited(scene.volume.denormalized(), onset: unfold)
        self.volume = volume
        dynamics = try scene.dynamics.map { try DynamicsPlayer($0, volume: volume, guide: scene.image) }
        // Measured motion is noise in flat regions, which would otherwise rank them as the
        // foreground; flat insides of moving objects take their rim's W instead (see
        // MotionWeights.textureFilled and Benchmarks/render/README.md).
        weights = MotionWeights.textureFilled(MotionWeights.compute(volume: volume), image: image)
        splat = SplatRenderer(width: image.width, height: image.height, quality: quality, alpha: alpha, kernel: kernel,
                              chaosScale: Self.chaosScale(scene))
    }

    /// The renderer's test for chaotic motion hedges against optical-flow noise: off for predicted
    /// motion, scaled with the magnification of measured motion (SplatRenderer.chaosScale).
    static func chaosScale(_ scene: Scene) -> Float {
        scene.isPredicted ? .infinity : Float(scene.editGain)
    }

    /// The one place a frame is synthesized: forward softmax splatting of I0 by F_t.
    func synthesize(field: UnsafeBufferPointer<Float>) -> RGBImage {
        splat.render(image, field: field, weights: weights)
    }

    /// Renders every frame of `plan` in order, handing each to `body`.
    ///
    /// One output picture is reused: once `body` has passed the frame on and nobody kept it, its
    /// storage is unique again and the next frame is written in place (a consumer that keeps
    /// frames gets a copy-on-write copy instead, so reuse is never visible).
    func render(_ plan: RenderPlan, _ body: (RGBImage) throws -> Void) throws {
        let n = volume.fieldSize
        var fields = [Float](repeating: 0, count: Self.batch * n)
        var out = RGBImage(width: image.width, height: image.height)
        var start = 0
        while start < plan.frameCount {
            let frames = start..<min(start + Self.batch, plan.frameCount)
            if let dynamics {
                let basis = dynamics.basis(seconds: frames.map { plan.textureFrame($0) / volume.fps })
                let limit = Dynamics.displacementLimit(width: volume.width, height: volume.height)
                fields.withUnsafeMutableBufferPointer {
                    dynamics.volume.evaluate(basis: basis, count: frames.count, into: $0)
                    Dynamics.limitDisplacements($0, count: frames.count, plane: volume.planeSize, limit: limit)
                }
            } else {
                fields.withUnsafeMutableBufferPointer { volume.evaluate(plan, frames: frames, into: $0) }
            }
            for j in 0..<frames.count {
                fields.withUnsafeBufferPointer {
                    splat.render(image, field: UnsafeBufferPointer(rebasing: $0[(j * n)..<((j + 1) * n)]), weights: weights, into: &out)
                }
                try body(out)
            }
            start += Self.batch
        }
    }
}
