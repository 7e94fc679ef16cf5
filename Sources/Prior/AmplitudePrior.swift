import Foundation
import Graph
import SpectralVolume

/// The amplitude-first prior (format_version 2, Training/train_amplitude.py + export.py): the
/// network regresses each pixel's amplitude per frequency and its direction share from the
/// still; `PhaseField` draws the phases; the grid's S is brought to the still's size as the
/// diffusion prior's is (image-guided to 4x the grid, then bilinear). Mirrors
/// Training/amplitude.py `predict` + sample.py, checked against export.py's golden vectors.
public struct AmplitudePrior: Sendable {
    public let config: AmplitudeConfig
    public let file: String
    let net: AmplitudeNet

    public init(contentsOf path: String) throws(PriorError) {
        try self.init(try TensorFile(path: path))
    }

    init(_ f: TensorFile) throws(PriorError) {
        guard let json = f.metadata["model_config"] else {
            throw PriorError(.corrupt, file: f.path, "metadata 'model_config' is missing")
        }
        config = try AmplitudeConfig.parse(json, file: f.path)
        file = f.path
        net = try AmplitudeNet(f, cfg: config)
    }

    /// The network input size and the output grid for a still.
    func sizes(width: Int, height: Int) -> (input: (width: Int, height: Int), grid: (width: Int, height: Int)) {
        let input = config.inputSize(width: width, height: height)
        return (input, (input.width / 4, input.height / 4))
    }

    /// The still's S in the SpectralVolume layout, phases from `seed`.
    func predict(image: RGBImage, seed: UInt64, threads: Int) -> [Float] {
        let grid = sizes(width: image.width, height: image.height).grid
        var rng = SeededRandom(seed: seed)
        let noise = rng.normals(PhaseField.noiseCount(K: config.K, width: grid.width, height: grid.height))
        return predictCoefficients(image: image, noise: noise, threads: threads)
    }

    /// amplitude.predict + sample.py from given noise (2K + 1, h, w).
    func predictCoefficients(image: RGBImage, noise: [Float], threads: Int) -> [Float] {
        let (input, grid) = sizes(width: image.width, height: image.height)
        let x = Resample.resize(image.data, planes: 3, inWidth: image.width, inHeight: image.height,
                                outWidth: input.width, outHeight: input.height, threads: threads)
        let out = network(x, width: input.width, height: input.height)
        let S = PhaseField.synthesize(out.data, noise: noise, K: config.K, width: grid.width, height: grid.height,
                                      coherence: config.coherence, cap: config.logAmpCap,
                                      reference: config.ampReference)
        let up = Resample.upsampleVolume(S, slices: config.K, width: grid.width, height: grid.height, image: image, threads: threads)
        return MotionPrior.volumeLayout(up, K: config.K, plane: image.width * image.height)
    }

    /// The network's (K + 1, h, w) output for an input-sized picture; `trace` sees every stage.
    func network(_ image: [Float], width: Int, height: Int, trace: ((String, Tensor) -> Void)? = nil) -> Tensor {
        // OpenBLAS on one thread: its sums' order depends on its thread count, and a seed must
        // give the same motion on every machine. The network is ~0.1 s of the prediction.
        SingleThreadedBLAS.run { net(image, width: width, height: height, trace: trace) }
    }
}
