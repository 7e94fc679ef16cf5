import COpenBLAS
import Foundation
import Graph
import SpectralVolume

/// The diffusion prior (format_version 1, Training/train.py + export.py): one still -> a spectral
/// volume at the still's size, exactly the pipeline of Training/sample.py `predict` (DDIM +
/// classifier-free guidance on the model's grid, denormalization, image-guided upsampling to 4x
/// the grid, antialiased bilinear resize with coefficient gains), up to float rounding and the
/// random numbers (`SeededRandom`).
public struct DiffusionPrior: Sendable {
    /// The settings read from the file.
    public let config: PriorConfig
    /// The file it was loaded from (for messages and the scene's source).
    public let file: String
    let net: UNet
    /// Frequency-adaptive normalization scales s_k, (K,).
    let scales: [Float]

    /// Loads an exported gid-prior v1 file; every problem is a `PriorError` naming the file.
    public init(contentsOf path: String) throws(PriorError) {
        try self.init(try TensorFile(path: path))
    }

    init(_ f: TensorFile) throws(PriorError) {
        let path = f.path
        guard f.metadata["format_version"] == "1" else {
            throw PriorError(.unsupported, file: path, "gid-prior format_version \(f.metadata["format_version"] ?? "none") is not a diffusion model (1)")
        }
        guard f.metadata["vae_config"] == nil else {
            throw PriorError(.unsupported, file: path, "the latent (VAE) variant is not run by the Swift engine; export variant (b)")
        }
        let cfg = try PriorConfig.parse(f.metadata["model_config"], file: path)
        config = cfg
        file = path
        net = try UNet(f, cfg: cfg)
        scales = try f.floats("normalization.scales", shape: [cfg.K])
        guard scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw PriorError(.corrupt, file: path, "normalization.scales are not all positive")
        }
    }

    // MARK: Prediction

    /// The still's motion at its own size in the SpectralVolume layout: sample.py `predict`.
    /// `threads` > 1 runs the guided pair (or a window's slices) side by side; the result is the
    /// same for any thread count.
    func predict(image: RGBImage, steps: Int, seed: UInt64, guidance: Double, threads: Int) throws(PriorError) -> [Float] {
        guard (1...1000).contains(steps) else {
            throw PriorError(.invalidArgument, file: file, "steps=\(steps) is outside 1..1000")
        }
        guard guidance.isFinite, guidance >= 0 else {
            throw PriorError(.invalidArgument, file: file, "guidance=\(guidance) must be a finite number >= 0")
        }
        guard image.width >= 2, image.height >= 2 else {
            throw PriorError(.invalidArgument, file: file, "the still is \(image.width)x\(image.height); the prior needs at least 2x2")
        }
        var rng = SeededRandom(seed: seed)
        let noise = rng.normals(config.K * 4 * config.gridH * config.gridW)
        return predictCoefficients(image: image, noise: noise, steps: steps, guidance: Float(guidance), threads: threads)
    }

    /// sample.py `predict` from given noise (K, 4, h, w): the still's S in the SpectralVolume
    /// layout (real (K, 2, H, W), then imaginary).
    func predictCoefficients(image: RGBImage, noise: [Float], steps: Int, guidance: Float, threads: Int) -> [Float] {
        let cfg = config
        let fw = cfg.gridW * cfg.condFactor, fh = cfg.gridH * cfg.condFactor
        let cond = Resample.resize(image.data, planes: 3, inWidth: image.width, inHeight: image.height,
                                   outWidth: fw, outHeight: fh, threads: threads)
        let Sn = sampleNormalized(image: cond, noise: noise, steps: steps, guidance: guidance, threads: threads)
        let S = upsample(denormalize(Sn), image: image, threads: threads)
        return MotionPrior.volumeLayout(S, K: cfg.K, plane: image.width * image.height)
    }

    /// DDIM with guidance from `noise` (K, 4, h, w) on `image` (3, h f, w f) in 0..1: S' (K, 4, h, w).
    public func sampleNormalized(image: [Float], noise: [Float], steps: Int, guidance: Float, threads: Int = 2,
                                 trace: (([Float]) -> Void)? = nil) -> [Float] {
        let cfg = config
        precondition(image.count == 3 * cfg.gridH * cfg.condFactor * cfg.gridW * cfg.condFactor, "sampleNormalized: image size")
        precondition(noise.count == cfg.K * 4 * cfg.gridH * cfg.gridW, "sampleNormalized: noise size")
        return SingleThreadedBLAS.run {
            Diffusion.sample(net, image: image, steps: steps, guidance: guidance, noise: noise, threads: threads, trace: trace)
        }
    }

    /// S = sign(S') S'^2 s_k on every coefficient of (K, 4, h, w).
    public func denormalize(_ Sn: [Float]) -> [Float] {
        let per = Sn.count / config.K
        return Sn.enumerated().map { i, v in
            let m = v * v * scales[i / per]
            return v < 0 ? -m : m
        }
    }

    /// sample.py after denormalization: image-guided to min(4 x grid, still) with coefficient
    /// gains, then antialiased bilinear to the still's size with gains. S (K, 4, h, w) -> (K, 4, H, W).
    public func upsample(_ S: [Float], image: RGBImage, threads: Int = 2) -> [Float] {
        Resample.upsampleVolume(S, slices: config.K, width: config.gridW, height: config.gridH, image: image, threads: threads)
    }

    /// One network evaluation for tests: eps for the G slices `x` (G, 4, h, w) at `t`, image
    /// (3, h f, w f); `trace` gets each top-level block's (name, values, (n, c, h, w)).
    public func epsilon(x: [Float], t: Int, k: [Int], image: [Float], threads: Int = 1,
                        trace: ((String, [Float], [Int]) -> Void)? = nil) -> [Float] {
        let cfg = config
        let cond = net.conditioning(image)
        let xt = Tensor(n: k.count, c: 4, h: cfg.gridH, w: cfg.gridW, data: x)
        return SingleThreadedBLAS.run {
            net.forward(xt, t: t, k: k, conditioning: cond, threads: threads,
                        trace: trace.map { f in { name, tensor in f(name, tensor.data, [tensor.n, tensor.c, tensor.h, tensor.w]) } }).data
        }
    }

    /// The DDIM timesteps and schedule (for tests and tools).
    public func timesteps(steps: Int) -> [Int] { Diffusion.timesteps(config, steps: steps) }
    public var alphasCumprod: [Double] { Diffusion.alphasCumprod(config) }
}
