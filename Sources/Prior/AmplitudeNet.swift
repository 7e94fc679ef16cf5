import Foundation

/// Training/amplitude.py `AmpConfig`: the settings of an amplitude-prior file's `model_config`.
public struct AmplitudeConfig: Sendable, Equatable, Decodable {
    public var K: Int
    /// The training input; a still is resized to about this many pixels at its own aspect.
    public var inputWidth: Int
    public var inputHeight: Int
    public var proj: Int
    public var hidden: Int
    public var layers: Int
    public var taps: [Int]
    public var texture: Bool
    public var features: Bool
    /// Phase-field smoothing sigma at k = 1, as a fraction of the grid width.
    public var coherence: Double
    /// The texture cue also added straight to the outputs, times a learned gain per output.
    public var textureSkip: Bool
    /// Per frequency, the largest log A_k a prediction may reach (the training targets' 95th
    /// percentile), or nil.
    public var logAmpCap: [Double]?
    /// A typical training scene's strong motion (median over windows of the 95th-percentile total
    /// amplitude) as a fraction of the grid width: a picture predicted to move more is scaled down
    /// to it. Nil: no scaling.
    public var ampReference: Double?
    /// Prediction sees the input at these scales (and mirrored, with `testFlip`) and averages the
    /// views' outputs (`AmplitudePrior.viewOutputs`); [1] and false: the input once.
    public var testScales: [Double]
    public var testFlip: Bool

    enum CodingKeys: String, CodingKey {
        case K, proj, hidden, layers, taps, texture, features, coherence
        case inputWidth = "input_w", inputHeight = "input_h", textureSkip = "texture_skip", logAmpCap = "log_amp_cap",
             ampReference = "amp_reference", testScales = "test_scales", testFlip = "test_flip"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        K = try c.decode(Int.self, forKey: .K)
        inputWidth = try c.decode(Int.self, forKey: .inputWidth)
        inputHeight = try c.decode(Int.self, forKey: .inputHeight)
        proj = try c.decode(Int.self, forKey: .proj)
        hidden = try c.decode(Int.self, forKey: .hidden)
        layers = try c.decode(Int.self, forKey: .layers)
        taps = try c.decode([Int].self, forKey: .taps)
        texture = try c.decode(Bool.self, forKey: .texture)
        features = try c.decode(Bool.self, forKey: .features)
        coherence = try c.decode(Double.self, forKey: .coherence)
        textureSkip = try c.decodeIfPresent(Bool.self, forKey: .textureSkip) ?? false
        logAmpCap = try c.decodeIfPresent([Double].self, forKey: .logAmpCap)
        ampReference = try c.decodeIfPresent(Double.self, forKey: .ampReference)
        testScales = try c.decodeIfPresent([Double].self, forKey: .testScales) ?? [1]
        testFlip = try c.decodeIfPresent(Bool.self, forKey: .testFlip) ?? false
    }

    /// Parses and range-checks the JSON; `file` names the model in errors.
    static func parse(_ json: String, file: String) throws(PriorError) -> AmplitudeConfig {
        let cfg: AmplitudeConfig
        do {
            cfg = try JSONDecoder().decode(AmplitudeConfig.self, from: Data(json.utf8))
        } catch {
            throw PriorError(.corrupt, file: file, "metadata 'model_config' is not a valid amplitude-prior config (\(error))")
        }
        // Bounds keep a corrupt file from asking for absurd allocations; real models sit far inside.
        let ok = (1...75).contains(cfg.K) && (64...4096).contains(cfg.inputWidth) && (64...4096).contains(cfg.inputHeight)
            && (1...256).contains(cfg.proj) && (1...512).contains(cfg.hidden) && (0...16).contains(cfg.layers)
            && cfg.taps.allSatisfy { (0..<AlexNet.layout.count).contains($0) } && Set(cfg.taps).count == cfg.taps.count
            && (cfg.features || cfg.texture) && cfg.coherence.isFinite && cfg.coherence > 0 && cfg.coherence <= 1
            && (cfg.logAmpCap.map { $0.count == cfg.K && $0.allSatisfy { $0.isFinite && abs($0) < 20 } } ?? true)
            && (cfg.ampReference.map { $0.isFinite && $0 > 0 && $0 < 1 } ?? true)
            && (1...8).contains(cfg.testScales.count) && cfg.testScales.allSatisfy { (0.5...2).contains($0) }
        guard ok else { throw PriorError(.corrupt, file: file, "model_config has out-of-range values: \(json)") }
        return cfg
    }

    /// amplitude.input_size: the still's aspect, about inputWidth x inputHeight pixels, sides
    /// multiples of 16 and at least AlexNet.minimumSide (Python's round: half to even).
    func inputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let area = Double(inputWidth * inputHeight), ar = Double(width) / Double(height)
        let side = { (v: Double) in max(AlexNet.minimumSide, Int((v / 16).rounded(.toNearestOrEven)) * 16) }
        return (side((area * ar).squareRoot()), side((area / ar).squareRoot()))
    }

    /// amplitude.view_size: a test view's input size, the input's sides times `scale` rounded to
    /// multiples of 16 (half to even, as Python's round).
    static func viewSize(width: Int, height: Int, scale: Double) -> (width: Int, height: Int) {
        let side = { (v: Int) in max(AlexNet.minimumSide, Int((Double(v) * scale / 16).rounded(.toNearestOrEven)) * 16) }
        return (side(width), side(height))
    }
}

/// Training/amplitude.py `AmplitudeNet`: AlexNet taps -> 1x1 projections (learned), bilinear to the grid
/// (1/4 of the input), + texture cue -> 1x1 mix -> 3x3 convolutions -> log A_k (K) and the
/// x-share logit (1).
struct AmplitudeNet: Sendable {
    let cfg: AmplitudeConfig
    var alexnet: AlexNet?
    var proj: [Conv]
    var mix: Conv
    var convs: [Conv]
    var out: Conv
    /// Per-output gain of the texture cue (`tex_gain`), when the config has the skip.
    var textureGain: [Float]?

    init(_ f: TensorFile, cfg: AmplitudeConfig) throws(PriorError) {
        self.cfg = cfg
        var cin = 0
        if cfg.features {
            alexnet = try AlexNet(f)
            proj = try cfg.taps.enumerated().map { (j, i) throws(PriorError) in
                try Conv(f, "model.proj.\(j)", cin: AlexNet.layout[i].0, cout: cfg.proj, k: 1)
            }
            cin += cfg.proj * cfg.taps.count
        } else {
            alexnet = nil
            proj = []
        }
        if cfg.texture { cin += 1 }
        mix = try Conv(f, "model.mix", cin: cin, cout: cfg.hidden, k: 1)
        convs = try (0..<cfg.layers).map { (i) throws(PriorError) in
            try Conv(f, "model.convs.\(i)", cin: cfg.hidden, cout: cfg.hidden, k: 3)
        }
        out = try Conv(f, "model.out", cin: cfg.hidden, cout: cfg.K + 1, k: 1)
        textureGain = cfg.texture && cfg.textureSkip ? try f.floats("model.tex_gain", shape: [cfg.K + 1]) : nil
    }

    /// The head's input (C, H/4, W/4) for a picture (3, H, W) in 0..1 whose sides are multiples of 16.
    func inputs(_ image: [Float], width W: Int, height H: Int, trace: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let h = H / 4, w = W / 4
        var parts: [Tensor] = []
        if let alexnet {
            let taps = alexnet(image, width: W, height: H)
            trace.map { f in taps.enumerated().forEach { f("alexnet.tap.\($0.offset)", $0.element) } }
            for (j, i) in cfg.taps.enumerated() {
                parts.append(Kernels.bilinear(proj[j](taps[i], threads: 1), h: h, w: w))
            }
        }
        if cfg.texture { parts.append(Kernels.textureCue(image, width: W, height: H)) }
        var x = parts[0]
        for p in parts.dropFirst() { x = Kernels.concat(x, p) }
        trace?("block.inputs", x)
        return x
    }

    /// log A (K, h, w) and the x-share logit (1, h, w), as one (K + 1, h, w) tensor. One picture:
    /// every convolution is a single sgemm, run on the caller's (one) BLAS thread.
    func callAsFunction(_ image: [Float], width: Int, height: Int, trace: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let input = inputs(image, width: width, height: height, trace: trace)
        var x = mix(input, threads: 1)
        Kernels.relu(&x)
        trace?("block.mix", x)
        for (i, c) in convs.enumerated() {
            x = c(x, threads: 1)
            Kernels.relu(&x)
            trace?("block.conv.\(i)", x)
        }
        var y = out(x, threads: 1)
        if let textureGain {  // the texture cue is the inputs' last channel
            let plane = y.plane, tex = (input.c - 1) * plane
            for o in 0..<y.c where textureGain[o] != 0 {
                for i in 0..<plane { y.data[o * plane + i] += textureGain[o] * input.data[tex + i] }
            }
        }
        trace?("block.out", y)
        return y
    }
}
