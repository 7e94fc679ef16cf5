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
        let out = viewOutputs(x, width: input.width, height: input.height, threads: threads)
        let S = PhaseField.synthesize(out.data, noise: noise, K: config.K, width: grid.width, height: grid.height,
                                      coherence: config.coherence, cap: config.logAmpCap,
                                      reference: config.ampReference)
        let up = Resample.upsampleVolume(S, slices: config.K, width: grid.width, height: grid.height, image: image, threads: threads)
        return MotionPrior.volumeLayout(up, K: config.K, plane: image.width * image.height)
    }

    /// amplitude.view_outputs: the network's (K + 1, h, w) output averaged over the config's test
    /// views (the input resized by each scale, and mirrored with testFlip), each view's output
    /// mirrored back and resized to the grid, its log A lowered by log(view width / input width).
    /// Views run side by side on up to `threads` threads; they are summed in a fixed order, so
    /// the result does not depend on the thread count.
    func viewOutputs(_ image: [Float], width W: Int, height H: Int, threads: Int) -> Tensor {
        let K = config.K, h = H / 4, w = W / 4
        // Mirror-major, so that each of two threads' contiguous halves gets one view of each scale.
        let views = (config.testFlip ? [false, true] : [false]).flatMap { m in config.testScales.map { ($0, m) } }
        let size = (K + 1) * h * w
        var outputs = [Float](repeating: 0, count: views.count * size)   // view i's output at [i * size, (i + 1) * size)
        outputs.withUnsafeMutableBufferPointer { buffer in
            let o = SharedPointer(base: buffer.baseAddress!)
            parallelIndexedStripes(views.count, stripes: threads) { _, first, end in
                for i in first..<end {
                    let y = view(image, width: W, height: H, scale: views[i].0, mirror: views[i].1)
                    for j in 0..<size { o.base[i * size + j] = y[j] }
                }
            }
        }
        var sum = [Float](repeating: 0, count: size)
        for i in views.indices {
            for j in 0..<size { sum[j] += outputs[i * size + j] }
        }
        return Tensor(n: 1, c: K + 1, h: h, w: w, data: sum.map { $0 / Float(views.count) })
    }

    /// One test view's output on the input's grid.
    func view(_ image: [Float], width W: Int, height H: Int, scale: Double, mirror: Bool) -> [Float] {
        let K = config.K, v = AmplitudeConfig.viewSize(width: W, height: H, scale: scale)
        let sized = v == (W, H) ? image : Resample.resize(image, planes: 3, inWidth: W, inHeight: H,
                                                            outWidth: v.width, outHeight: v.height)
        var y = network(mirror ? Self.mirrored(sized, width: v.width) : sized, width: v.width, height: v.height).data
        if mirror { y = Self.mirrored(y, width: v.width / 4) }
        guard v != (W, H) else { return y }
        y = Resample.resize(y, planes: K + 1, inWidth: v.width / 4, inHeight: v.height / 4,
                            outWidth: W / 4, outHeight: H / 4)
        let shift = Float(log(Double(v.width) / Double(W)))
        for i in 0..<(K * (H / 4) * (W / 4)) { y[i] -= shift }
        return y
    }

    /// Each row of each plane reversed (torch's flip(-1)).
    static func mirrored(_ x: [Float], width: Int) -> [Float] {
        var out = x
        let rows = x.count / width
        for r in 0..<rows {
            let base = r * width
            for i in 0..<width { out[base + i] = x[base + width - 1 - i] }
        }
        return out
    }

    /// The network's (K + 1, h, w) output for an input-sized picture; `trace` sees every stage.
    func network(_ image: [Float], width: Int, height: Int, trace: ((String, Tensor) -> Void)? = nil) -> Tensor {
        // OpenBLAS on one thread: its sums' order depends on its thread count, and a seed must
        // give the same motion on any thread count.
        SingleThreadedBLAS.run { net(image, width: width, height: height, trace: trace) }
    }
}
