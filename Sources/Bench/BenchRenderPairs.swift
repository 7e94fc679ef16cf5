import Flow
import Foundation
import Graph
import MediaIO
import Render
import SpectralVolume

/// `gid-filter bench --render-pairs OUT [--clips DIR] [--frames N] [--stride S] [--skip NAME]... [--clip NAME]...`:
/// training pictures for the learned refinement (Training/refine.py). For each clip not used by
/// `--render-quality` (those are the test set): measured flow from frame 0 to the next N-1 frames,
/// then every S-th frame t is rendered from frame 0 by softmax splatting and by average
/// splatting, with the measured field and with its K=16 band-limited version, and written as PNG
/// next to the real frame t: `CLIP-I0.png`, `CLIP-tTTT-real.png`, `CLIP-tTTT-{m,k}-{soft,avg}.png`.
enum BenchRenderPairs {
    /// Clips no training picture may come from: the quality benchmark's and its extra ones.
    static let heldOut = Set(BenchRender.defaultClips + ["structure_sway__swing_set_yard.mkv"])

    static func run(_ argv: [String]) throws {
        var out: String?
        var dir = "../shared/data/clips"
        var frames = 150, stride = 10
        var skip: Set<String> = []
        var only: [String] = []
        var i = 0
        while i < argv.count {
            let value = argv[safe: i + 1]
            switch argv[i] {
            case "--render-pairs": out = value
            case "--clips": dir = value ?? dir
            case "--frames": frames = try Bench.number(value, for: "bench --render-pairs --frames", atLeast: 3)
            case "--stride": stride = try Bench.number(value, for: "bench --render-pairs --stride", atLeast: 1)
            case "--skip": if let value { skip.insert(value) }
            case "--clip": if let value { only.append(value) }
            default: throw GIDError.usage("bench --render-pairs: unknown option '\(argv[i])' (use --clips DIR, --frames N, --stride S, --skip NAME, --clip NAME)")
            }
            i += 2
        }
        guard let out else { throw GIDError.usage("bench --render-pairs OUT: give the folder to write to") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // --clip names the clips outright (the test set's pictures); otherwise every training clip.
        let names = only.isEmpty ? try FileManager.default.contentsOfDirectory(atPath: dir).sorted().filter {
            !heldOut.contains($0) && !skip.contains($0) && !$0.hasPrefix("nonoscillatory__") && !$0.hasSuffix(".md")
        } : only
        for name in names {
            let start = Date()
            do {
                let count = try export(path: "\(dir)/\(name)", frames: frames, stride: stride, to: out)
                print(String(format: "%@: %d frames written, %.1f s", name, count, Date().timeIntervalSince(start)))
            } catch {
                print("\(name): skipped (\(error))")
            }
        }
    }

    /// Writes one clip's pictures; returns how many frames t were written.
    static func export(path: String, frames: Int, stride: Int, to out: String) throws -> Int {
        let name = (URL(fileURLWithPath: path).lastPathComponent as NSString).deletingPathExtension
        let reader = try MediaReader(path: path)
        var grey: LavfiGraph?
        guard let first = try reader.nextFrame() else { throw GIDError.input("\(path): no frames") }
        let fps = reader.info.frameRate.map { $0.value } ?? 25
        let reference = try Pictures.rgb(first, reader: reader, grey: &grey)
        guard reference.width >= 200, reference.height >= 200, reference.width * reference.height <= 1_000_000 else {
            throw GIDError.input("\(path): \(reference.width)x\(reference.height) is outside 200x200 ... 1 Mpixel")
        }
        let estimator = try MotionEstimator(reference: reference)
        var fields: [[Float]] = []
        var kept: [Int: RGBImage] = [:]
        while fields.count + 1 < frames, let frame = try reader.nextFrame() {
            let picture = try Pictures.rgb(frame, reader: reader, grey: &grey)
            fields.append(try estimator.displacement(to: picture).data)
            if fields.count % stride == 0 { kept[fields.count] = picture }
        }
        guard fields.count >= 2 * stride else { throw GIDError.input("\(path): only \(fields.count + 1) frames") }
        let w = reference.width, h = reference.height
        var accumulator = try SpectralAccumulator(frames: fields.count + 1, width: w, height: h, fps: fps, source: name)
        try accumulator.add([Float](repeating: 0, count: 2 * w * h))
        for f in fields { try accumulator.add(f) }
        let volume = try accumulator.finish()
        let measuredW = MotionWeights.textureFilled(MotionWeights.compute(fields: fields, width: w, height: h), image: reference)
        let bandW = MotionWeights.textureFilled(MotionWeights.compute(volume: volume), image: reference)
        let soft = SplatRenderer(width: w, height: h, quality: .best)
        let average = SplatRenderer(width: w, height: h, quality: .best, alpha: 0)
        try Pictures.write(reference, to: "\(out)/\(name)-I0.png")
        var band = [Float](repeating: 0, count: 2 * w * h)
        for t in kept.keys.sorted() {
            let prefix = String(format: "%@/%@-t%03d", out, name, t)
            try Pictures.write(kept[t]!, to: "\(prefix)-real.png")
            band.withUnsafeMutableBufferPointer { volume.evaluate(atFrames: [Double(t)], into: $0) }
            for (tag, field, weights) in [("m", fields[t - 1], measuredW), ("k", band, bandW)] {
                try Pictures.write(soft.render(reference, field: field, weights: weights), to: "\(prefix)-\(tag)-soft.png")
                try Pictures.write(average.render(reference, field: field, weights: weights), to: "\(prefix)-\(tag)-avg.png")
            }
        }
        return kept.count
    }
}
