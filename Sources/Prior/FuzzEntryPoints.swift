import Foundation
import Graph
import SpectralVolume

/// Entry points for the fuzz targets in Sources/gid-fuzz (docs/fuzzing.md): this module's
/// internal parsers, reachable from outside. Not meant for any other use.
public enum PriorFuzzing {
    /// `PriorConfig.parse` (a diffusion model's `model_config`), then what DDIM derives from the
    /// config and indexes (Diffusion.sample: alphas_cumprod[t] for every t of the walk).
    public static func diffusionConfig(_ json: String) throws {
        let cfg = try PriorConfig.parse(json, file: "fuzz")
        _ = cfg.channels
        _ = cfg.embeddingWidth
        for level in cfg.mults.indices { _ = cfg.hasFrequencyAttention(level: level) }
        let ac = Diffusion.alphasCumprod(cfg)
        for steps in [1, 2, 25] {
            let ts = Diffusion.timesteps(cfg, steps: steps)
            for (i, t) in ts.enumerated() {
                _ = ac[t]
                if i + 1 < ts.count { _ = ac[ts[i + 1]] }
            }
        }
    }

    /// `AmplitudeConfig.parse` (the amplitude model's `model_config`), then the input and grid
    /// sizes it gives for a few picture shapes.
    public static func amplitudeConfig(_ json: String) throws {
        let cfg = try AmplitudeConfig.parse(json, file: "fuzz")
        for (w, h) in [(640, 480), (2, 2), (16384, 2), (2, 16384), (16384, 16384)] {
            let input = cfg.inputSize(width: w, height: h)
            _ = PhaseField.noiseCount(K: cfg.K, width: input.width / 4, height: input.height / 4)
        }
    }

    /// What `MotionPrior(contentsOf:)` does with a file's bytes: the model-file reader
    /// (`TensorFile`), its typed accessors, and for a gid-prior file the engine of its
    /// format_version. A tiny amplitude model (no AlexNet features, small input) also predicts a
    /// 8x6 still. Returns a word on what it was.
    public static func loadModel(_ bytes: [UInt8], name: String) throws -> String {
        let f = try TensorFile(bytes: bytes, name: name)
        for key in f.entries.keys {
            _ = try? f.floats(key)
            _ = try? f.doubles(key)
            _ = try? f.ints(key)
            _ = try? f.shape(key)
        }
        guard f.metadata["format"] == "gid-prior" else { return "not a gid-prior model" }
        switch f.metadata["format_version"] {
        case "1":
            let p = try DiffusionPrior(f)
            return "diffusion prior K=\(p.config.K)"
        case "2":
            let p = try AmplitudePrior(f)
            let c = p.config
            guard !c.features, c.inputWidth * c.inputHeight <= 128 * 128, c.hidden <= 64, c.layers <= 4 else {
                return "amplitude prior K=\(c.K)"
            }
            let image = RGBImage(width: 8, height: 6, data: (0..<(3 * 48)).map { Float($0 % 7) / 6 })
            let S = p.predict(image: image, seed: 1, threads: 1)
            guard S.count == 2 * c.K * 2 * 48 else {
                fatalError("PriorFuzzing: the amplitude prior gave \(S.count) coefficients for K=\(c.K) on 8x6")
            }
            return "amplitude prior K=\(c.K), predicted"
        case let v:
            throw PriorError(.unsupported, file: name, "gid-prior format_version \(v ?? "none")")
        }
    }
}
