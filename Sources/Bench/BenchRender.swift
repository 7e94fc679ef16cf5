import Dispatch
import Flow
import Foundation
import Graph
import MediaIO
import Render
import RenderFilter
import SpectralVolume

/// `gid-filter bench --render-quality [--clips DIR] [--clip NAME]... [--clip-set loops] [--frames N] [--border B]
/// [--flow fast|medium|best] [--unfold ONSET]`:
/// issue 6's quality figure on real clips. For each clip: optical flow from frame 0 to frames
/// 1..N-1 (camera shake removed), then frames 1..N-1 rendered from frame 0 by every renderer and
/// scored against the real frames (PSNR, SSIM, GMSD), once with the measured fields and once with
/// their K = 16 band-limited version from the spectral volume (what the product renders).
/// `--flow` picks the flow preset (default medium, as `motion`); `--unfold` smooths the K = 16
/// volume where it folds before every renderer sees it, as `render=unfold=ONSET` does.
/// `--save DIR [--save-every N]` also writes every N-th real frame and its renders as PNG for
/// `Benchmarks/render/lpips_quality.py` (LPIPS, which runs in Python).
enum BenchRender {
    /// Still-camera clips with real oscillating motion (candle, fire, plants, water, sway).
    static let defaultClips = [
        "candle__candle_closeup_light4israel.mkv",
        "fire__fireplace_gatech.mkv",
        "plants__evm_shadow_house_trees.mkv",
        "plants__palm_leaf_shadows_wall.mkv",
        "structure_sway__crane_crop_phasebased.mkv",
        "water__dyntex_fountain_trees.avi",
    ]

    /// Twelve clips for the loop-detail figures (`--clip-set loops`): the six above and six
    /// scenes a still's loop is made of (sea, leaves, reeds, a stream, mist, a lakeshore).
    static let loopClips = defaultClips + [
        "water__sea_sunset_waves.mkv",
        "plants__sunlit_leaves_wind.mkv",
        "plants__reeds_wind_bw.mkv",
        "water__mossy_forest_stream.mkv",
        "sky_clouds__mist_over_forest_ridge.mkv",
        "mixed_landscape__misty_lakeshore_trees_wind.mkv",
    ]

    /// The scores of one clip.
    struct ClipResult {
        var name: String
        var width: Int
        var height: Int
        var frames: Int
        /// Mean and largest W (pixels) of the measured fields.
        var meanW: Float
        var maxW: Float
        var measured: [RenderScore]
        var bandLimited: [RenderScore]
        var seconds: Double
    }

    static func run(_ arguments: [String]) throws {
        if arguments.contains("--render-speed") { return try speed(arguments.filter { $0 != "--render-speed" }) }
        let argv = arguments.filter { $0 != "--render-quality" }
        var dir: String?
        var clips: [String] = []
        var frames = 150
        var border = 8
        var alpha = SplatRenderer.defaultAlpha
        var dump: String?
        var gate: Float = 0.02
        var weighting = WeightMode.filled
        var saveFolder: String?
        var saveEvery = 10
        var flow = FlowPreset.medium
        var unfold: Float = 0
        var i = 0
        while i < argv.count {
            let value = argv[safe: i + 1]
            switch argv[i] {
            case "--clips": dir = value
            case "--clip": if let value { clips.append(value) }
            case "--clip-set":
                guard value == "loops" else { throw GIDError.usage("bench --render-quality: --clip-set takes loops") }
                clips = loopClips
            case "--frames": frames = try Bench.number(value, for: "bench --render-quality --frames", atLeast: 3)
            case "--border": border = try Bench.number(value, for: "bench --render-quality --border", atLeast: 0)
            case "--alpha": alpha = try Bench.number(value, for: "bench --render-quality --alpha", atLeast: 0)
            case "--dump": dump = value
            case "--save": saveFolder = value
            case "--save-every": saveEvery = try Bench.number(value, for: "bench --render-quality --save-every", atLeast: 1)
            case "--gate": gate = try Bench.number(value, for: "bench --render-quality --gate", atLeast: 1e-4)
            case "--unfold": unfold = try Bench.number(value, for: "bench --render-quality --unfold", atLeast: 0)  // 0 = off
            case "--flow":
                guard let preset = value.flatMap(FlowPreset.init(rawValue:)) else {
                    throw GIDError.usage("bench --render-quality: --flow takes fast, medium or best")
                }
                flow = preset
            case "--weights":
                guard let mode = value.flatMap(WeightMode.init(rawValue:)) else {
                    throw GIDError.usage("bench --render-quality: --weights takes paper, gated or filled")
                }
                weighting = mode
            default:
                throw GIDError.usage("bench --render-quality: unknown option '\(argv[i])' (use --clips DIR, --clip NAME, --clip-set loops, --frames N, --border B, --alpha A, --weights paper|gated|filled, --gate G, --flow PRESET, --unfold ONSET, --dump DIR, --save DIR, --save-every N)")
            }
            i += 2
        }
        let folder = dir ?? ["../shared/data/clips", "shared/data/clips"].first { FileManager.default.fileExists(atPath: $0) }
        guard let folder, FileManager.default.fileExists(atPath: folder) else {
            print("bench --render-quality: skipped, no clip folder (\(dir ?? "../shared/data/clips") is absent; give --clips DIR)")
            return
        }
        let names = clips.isEmpty ? defaultClips : clips
        print("render quality: frames 1..\(frames - 1) rendered from frame 0, \(border) px border left out, "
              + "flow preset \(flow.rawValue) (shake <= 2 px removed), K=16 unfold \(unfold > 0 ? String(unfold) : "off"), alpha \(alpha), W \(weighting.rawValue) (texture threshold \(gate)); "
              + "cells are PSNR dB / SSIM / GMSD (lower is better), means over frames")
        var results: [ClipResult] = []
        for name in names {
            let path = "\(folder)/\(name)"
            guard FileManager.default.fileExists(atPath: path) else {
                print("\(name): skipped, not found in \(folder)")
                continue
            }
            let save = saveFolder.map { Saving(folder: $0, every: saveEvery) }
            let result = try measure(path: path, frames: frames, border: border, alpha: alpha, weighting: weighting, gate: gate,
                                     flow: flow, unfold: unfold,
                                     dump: dump, save: save)
            results.append(result)
            print(String(format: "%@: %dx%d, %d frames, W mean %.2f px max %.1f px, %.1f s", result.name, result.width,
                         result.height, result.frames, result.meanW, result.maxW, result.seconds))
        }
        print(table(results))
        print("")
        print(detailTable(results))
    }

    /// Per clip and renderer: detail of the rendered frames over I0's (minimum and median), the
    /// pulse (sharpest / softest frame) and, for the K=16 loop, the seam (last -> first step over
    /// the median step).
    static func detailTable(_ results: [ClipResult]) -> String {
        let variants: [RenderVariant] = [.splatFast, .splatBest, .colourSplatBest, .backwardWarp]
        var lines = ["detail of each rendered frame over I0's (variance of the luma Laplacian): min / median / pulse; K=16 rows add the loop's seam",
                     "| clip | motion | " + variants.map(\.rawValue).joined(separator: " | ") + " |",
                     "|---|---|" + String(repeating: "---|", count: variants.count)]
        for r in results {
            for (label, scores) in [("measured", r.measured), ("K=16", r.bandLimited)] {
                let by = Dictionary(uniqueKeysWithValues: scores.map { ($0.variant, $0) })
                let cells = variants.map { v -> String in
                    guard let s = by[v], !s.detail.isEmpty else { return "-" }
                    let sorted = s.detail.sorted()
                    var cell = String(format: "%.2f / %.2f / %.2f", sorted[0], sorted[sorted.count / 2], s.pulse)
                    if label == "K=16", let seam = s.seam { cell += String(format: " / seam %.2f", seam) }
                    return cell
                }
                let clip = r.name.split(separator: ".").first.map(String.init) ?? r.name
                lines.append("| \(clip) | \(label) | " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `--render-speed [--clips DIR] [--runs N]`: frames/s through the render filter at 512x288,
    /// K=16, on the synthetic scene and on a real measured one (when the clips are there).
    static func speed(_ argv: [String]) throws {
        var dir = "../shared/data/clips"
        var runs = 5
        var i = 0
        while i < argv.count {
            switch argv[i] {
            case "--clips": dir = argv[safe: i + 1] ?? dir
            case "--runs": runs = try Bench.number(argv[safe: i + 1], for: "bench --render-speed --runs", atLeast: 1)
            default: throw GIDError.usage("bench --render-speed: unknown option '\(argv[i])' (use --clips DIR, --runs N)")
            }
            i += 2
        }
        print("synthetic scene:")
        print(try RenderFilterBenchmark.run(runs: runs))
        let path = "\(dir)/plants__palm_leaf_shadows_wall.mkv"
        guard FileManager.default.fileExists(atPath: path) else {
            print("real scene: skipped, \(path) is absent")
            return
        }
        print("real scene (\(path), 150-frame window measured, K=16, resized to 512x288):")
        let scene = try measuredScene(path: path, frames: 150).resized(width: 512, height: 288)
        print(try RenderFilterBenchmark.run(scene: scene, runs: runs))
    }

    /// I0 and the K=16 spectral volume of the first `frames` frames of a clip.
    static func measuredScene(path: String, frames: Int) throws -> Scene {
        let reader = try MediaReader(path: path)
        var grey: LavfiGraph?
        guard let first = try reader.nextFrame() else { throw GIDError.input("\(path): no frames") }
        let reference = try Pictures.rgb(first, reader: reader, grey: &grey)
        let analysis = try MotionAnalysis(reference: reference, frames: frames, fps: reader.info.frameRate.map { $0.value } ?? 25,
                                          source: path)
        while analysis.count < frames {
            guard let frame = try reader.nextFrame() else { throw GIDError.input("\(path): fewer than \(frames) frames") }
            try analysis.add(Pictures.rgb(frame, reader: reader, grey: &grey))
        }
        return try Scene(image: reference, volume: analysis.finish())
    }

    /// Measures, renders and scores one clip.
    /// Where `--save` writes pictures, and which frames.
    struct Saving {
        var folder: String
        var every: Int

        /// `folder/clip/motion/variant/t.png` (motion "real" for the real frame).
        func path(clip: String, motion: String, variant: String?, frame t: Int) throws -> String {
            var dir = "\(folder)/\(clip)/\(motion)"
            if let variant { dir += "/\(variant)" }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return "\(dir)/\(String(format: "%03d", t)).png"
        }
    }

    static func measure(path: String, frames: Int, border: Int, alpha: Float, weighting: WeightMode, gate: Float,
                        flow: FlowPreset = .medium, unfold: Float = 0, dump: String?,
                        save: Saving? = nil) throws -> ClipResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let name = URL(fileURLWithPath: path).lastPathComponent
        // Pass 1: flow I0 -> I_t for t = 1..N-1 (fields kept: 2 floats a pixel a frame).
        var reader = try MediaReader(path: path)
        var grey: LavfiGraph?
        guard let first = try reader.nextFrame() else { throw GIDError.input("\(path): no frames") }
        let fps = reader.info.frameRate.map { $0.value } ?? 25
        let reference = try Pictures.rgb(first, reader: reader, grey: &grey)
        let estimator = try MotionEstimator(reference: reference, preset: flow)
        var fields: [[Float]] = []
        while fields.count + 1 < frames, let frame = try reader.nextFrame() {
            fields.append(try estimator.displacement(to: Pictures.rgb(frame, reader: reader, grey: &grey)).data)
        }
        guard fields.count >= 2 else { throw GIDError.input("\(path): fewer than 3 frames") }
        let w = reference.width, h = reference.height
        let window = fields.count + 1
        var accumulator = try SpectralAccumulator(frames: window, width: w, height: h, fps: fps, source: name)
        try accumulator.add([Float](repeating: 0, count: 2 * w * h))
        for f in fields { try accumulator.add(f) }
        let volume = FoldLimiter.limited(try accumulator.finish(), onset: unfold)

        var measuredW = MotionWeights.compute(fields: fields, width: w, height: h)
        var bandW = MotionWeights.compute(volume: volume)
        measuredW = weighting.apply(measuredW, image: reference, threshold: gate)
        bandW = weighting.apply(bandW, image: reference, threshold: gate)
        let measured = RenderScorer(reference: reference, weights: measuredW, alpha: alpha, border: border)
        let band = RenderScorer(reference: reference, weights: bandW, alpha: alpha, border: border)
        // Frame 0 starts the detail, step and seam series: I0 itself for the measured fields,
        // the band-limited F_0 for the loop the product renders.
        [Float](repeating: 0, count: 2 * w * h).withUnsafeBufferPointer { measured.start(field: $0) }
        volume.field(atFrame: 0).withUnsafeBufferPointer { band.start(field: $0) }
        if let dump { try dumpPictures(reference, weights: measuredW, fields: fields, volume: volume, alpha: alpha, to: "\(dump)/\(name)") }

        // Pass 2: decode again (cheaper than holding the frames) and score frame t both ways.
        reader = try MediaReader(path: path)
        _ = try reader.nextFrame()
        let batch = 8
        var bandFields = [Float](repeating: 0, count: batch * 2 * w * h)
        for t in 1..<window {
            guard let frame = try reader.nextFrame() else { break }
            let picture = try Pictures.rgb(frame, reader: reader, grey: &grey)
            let slot = (t - 1) % batch
            if slot == 0 {
                let times = (t..<min(t + batch, window)).map(Double.init)
                bandFields.withUnsafeMutableBufferPointer { volume.evaluate(atFrames: times, into: $0) }
            }
            let saving = save.flatMap { t % $0.every == 0 ? $0 : nil }
            var saveError: (any Error)?
            if let saving {
                let clip = name.split(separator: ".").first.map(String.init) ?? name
                try Pictures.write(picture, to: saving.path(clip: clip, motion: "real", variant: nil, frame: t))
                for (scorer, motion) in [(measured, "measured"), (band, "K16")] {
                    scorer.observer = { variant, image in
                        do {
                            try Pictures.write(image, to: saving.path(clip: clip, motion: motion, variant: variant.rawValue, frame: t))
                        } catch { saveError = saveError ?? error }
                    }
                }
            } else {
                measured.observer = nil
                band.observer = nil
            }
            measured.add(field: fields[t - 1], frame: picture)
            bandFields.withUnsafeBufferPointer { all in
                band.add(field: UnsafeBufferPointer(rebasing: all[(slot * 2 * w * h)..<((slot + 1) * 2 * w * h)]), frame: picture)
            }
            if let saveError { throw saveError }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ClipResult(name: name, width: w, height: h, frames: window, meanW: measuredW.reduce(0, +) / Float(w * h),
                          maxW: measuredW.max() ?? 0, measured: measured.scores, bandLimited: band.scores, seconds: seconds)
    }

    /// Debug pictures for looking at a clip: I0, W (white = 2 x mean W), and frame N/2 rendered
    /// by splat-best, average splat and the backward warp from the measured field.
    static func dumpPictures(_ reference: RGBImage, weights: [Float], fields: [[Float]], volume: SpectralVolume, alpha: Float,
                             to prefix: String) throws {
        let w = reference.width, h = reference.height
        let scale = 0.5 / max(1e-3, weights.reduce(0, +) / Float(w * h))
        let wPlane = weights.map { min(1, $0 * scale) }
        try Pictures.write(reference, to: "\(prefix)-I0.png")
        try Pictures.write(RGBImage(width: w, height: h, data: wPlane + wPlane + wPlane), to: "\(prefix)-W.png")
        let field = fields[fields.count / 2]
        let best = SplatRenderer(width: w, height: h, quality: .best, alpha: alpha)
        let average = SplatRenderer(width: w, height: h, quality: .best, alpha: 0)
        try Pictures.write(best.render(reference, field: field, weights: weights), to: "\(prefix)-best.png")
        try Pictures.write(average.render(reference, field: field, weights: weights), to: "\(prefix)-average.png")
        try Pictures.write(BackwardWarp.warp(reference, field: field, weights: weights), to: "\(prefix)-backward.png")
    }

    /// The per-clip table (markdown), with whether splatting beat the backward warp and average
    /// splatting on all three metrics.
    static func table(_ results: [ClipResult]) -> String {
        let variants = RenderVariant.allCases
        var lines = ["| clip | motion | " + variants.map(\.rawValue).joined(separator: " | ") + " | splat-best wins |",
                     "|---|---|" + String(repeating: "---|", count: variants.count + 1)]
        for r in results {
            for (label, scores) in [("measured", r.measured), ("K=16", r.bandLimited)] {
                let by = Dictionary(uniqueKeysWithValues: scores.map { ($0.variant, $0) })
                let cells = variants.map { v in
                    by[v].map { String(format: "%.2f / %.4f / %.4f", $0.meanPSNR, $0.meanSSIM, $0.meanGMSD) } ?? "-"
                }
                let best = by[.splatBest]
                let wins = [RenderVariant.backwardWarp, .averageSplat].allSatisfy { other in
                    guard let best, let o = by[other] else { return false }
                    return best.meanPSNR > o.meanPSNR && best.meanSSIM > o.meanSSIM && best.meanGMSD < o.meanGMSD
                }
                let clip = r.name.split(separator: ".").first.map(String.init) ?? r.name
                lines.append("| \(clip) | \(label) | " + cells.joined(separator: " | ") + " | \(wins ? "yes" : "NO") |")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Which splatting weights W the benchmark renders with.
enum WeightMode: String {
    /// The paper's mean motion length.
    case paper
    /// Scaled by texture confidence (flat pixels count as background).
    case gated
    /// Gated, flat pixels filled from textured neighbours, smoothed: what `render` uses.
    case filled

    func apply(_ w: [Float], image: RGBImage, threshold: Float) -> [Float] {
        switch self {
        case .paper: w
        case .gated: MotionWeights.textureGated(w, image: image, threshold: threshold)
        case .filled: MotionWeights.textureFilled(w, image: image, threshold: threshold)
        }
    }
}
