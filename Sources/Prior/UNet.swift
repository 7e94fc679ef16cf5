import Foundation

/// The denoiser eps(x_t, t, k, I0) of Training/model.py `UNet`, for the slices of one window.
struct UNet: Sendable {
    let cfg: PriorConfig
    var tMLP0: Linear
    var tMLP2: Linear
    var kEmb: [Float]
    /// The input convolution split in two: over the noisy slice (no bias) and over the
    /// unshuffled I0 (with the bias), which is the same for every slice and step of a window.
    var inpSlice: Conv
    var inpImage: Conv
    var down: [Level]
    var downsample: [Conv?]
    var mid1: ResBlock
    var midAttn: SpatialAttention?
    var midFAttn: FrequencyAttention?
    var mid2: ResBlock
    var up: [Level]
    var outNorm: Norm
    var out: Conv

    init(_ f: TensorFile, cfg: PriorConfig, prefix p: String = "model.") throws(PriorError) {
        self.cfg = cfg
        let C = cfg.base, E = cfg.embeddingWidth, fc = cfg.condFactor
        tMLP0 = try Linear(f, "\(p)t_mlp.0", inF: C, outF: E)
        tMLP2 = try Linear(f, "\(p)t_mlp.2", inF: E, outF: E)
        kEmb = try f.floats("\(p)k_emb.weight", shape: [cfg.K, E])
        let inp = try Conv(f, "\(p)inp", cin: 4 + 3 * fc * fc, cout: C, k: 3)
        inpSlice = inp.restricted(to: 0..<4, bias: [Float](repeating: 0, count: C))
        inpImage = inp.restricted(to: 4..<(4 + 3 * fc * fc), bias: inp.bias)
        let chans = cfg.channels
        var down: [Level] = [], downsample: [Conv?] = []
        var cin = C
        for (lvl, ch) in chans.enumerated() {
            down.append(try Level(f, "\(p)down.\(lvl)", cin: cin, cout: ch, count: cfg.resBlocks, cfg: cfg,
                                  withFrequencyAttention: cfg.hasFrequencyAttention(level: lvl)))
            downsample.append(lvl < chans.count - 1 ? try Conv(f, "\(p)downsample.\(lvl)", cin: ch, cout: ch, k: 3, stride: 2) : nil)
            cin = ch
        }
        self.down = down
        self.downsample = downsample
        mid1 = try ResBlock(f, "\(p)mid1", cin: cin, cout: cin, embWidth: E, groups: cfg.groups)
        midAttn = cfg.spatialAttention ? try SpatialAttention(f, "\(p)mid_attn", channels: cin, heads: cfg.heads, groups: cfg.groups) : nil
        midFAttn = cfg.frequencyAttention ? try FrequencyAttention(f, "\(p)mid_fattn", channels: cin, heads: cfg.heads, K: cfg.K) : nil
        mid2 = try ResBlock(f, "\(p)mid2", cin: cin, cout: cin, embWidth: E, groups: cfg.groups)
        var up: [Level] = []
        for (i, lvl) in chans.indices.reversed().enumerated() {
            let ch = chans[lvl]
            up.append(try Level(f, "\(p)up.\(i)", cin: cin + ch, cout: ch, count: cfg.resBlocks + 1, cfg: cfg,
                                withFrequencyAttention: cfg.hasFrequencyAttention(level: lvl)))
            cin = ch
        }
        self.up = up
        outNorm = try Norm(f, "\(p)out_norm", channels: C)
        out = try Conv(f, "\(p)out", cin: C, cout: 4, k: 3)
    }

    /// Sinusoidal embedding of one timestep (model.py timestep_embedding): [cos(t f_i), sin(t f_i)],
    /// f_i = exp(-ln(10000) i / half), in float32 as PyTorch computes it.
    static func timestepEmbedding(_ t: Int, dim: Int) -> [Float] {
        let half = dim / 2
        let c = Float(-log(10000.0))
        var out = [Float](repeating: 0, count: 2 * half)
        for i in 0..<half {
            let f = expf(c * Float(i) / Float(half))
            let a = Float(t) * f
            out[i] = cosf(a)
            out[half + i] = sinf(a)
        }
        return out
    }

    /// The image's share of the input convolution (bias included), (C, h, w): computed once per
    /// window. `image` (3, h f, w f) in 0..1; nil = the unconditional branch's all-zero picture.
    func conditioning(_ image: [Float]?) -> [Float] {
        let f = cfg.condFactor, h = cfg.gridH, w = cfg.gridW
        guard let image else {
            return inpImage.bias.flatMap { [Float](repeating: $0, count: h * w) }
        }
        let cond = Kernels.pixelUnshuffle(image, channels: 3, height: h * f, width: w * f, factor: f)
        return inpImage(Tensor(n: 1, c: 3 * f * f, h: h, w: w, data: cond), threads: 1).data
    }

    /// eps for the G slices `x` (G, 4, h, w) of one window at timestep `t`, frequencies `k` (G,),
    /// conditioned on `conditioning`, the window's `conditioning(image)`.
    /// `trace` receives each top-level block's output (export.py's golden names).
    func forward(_ x: Tensor, t: Int, k: [Int], conditioning: [Float], threads: Int,
                 trace: ((String, Tensor) -> Void)? = nil) -> Tensor {
        let G = x.n, E = cfg.embeddingWidth
        precondition(x.c == 4 && x.h == cfg.gridH && x.w == cfg.gridW && k.count == G, "UNet: input (\(x.n), \(x.c), \(x.h), \(x.w))")
        let temb = tMLP2(Kernels.silu(tMLP0(Self.timestepEmbedding(t, dim: cfg.base), rows: 1)), rows: 1)
        var emb = [Float](repeating: 0, count: G * E)
        for g in 0..<G { for e in 0..<E { emb[g * E + e] = temb[e] + kEmb[k[g] * E + e] } }
        let embSilu = Kernels.silu(emb)

        precondition(conditioning.count == cfg.base * x.plane, "UNet: conditioning size")
        var h = inpSlice(x, threads: threads)
        Kernels.addPerSlice(&h.data, conditioning)
        trace?("inp", h)
        var skips: [Tensor] = []
        for (i, level) in down.enumerated() {
            h = level(h, embSilu: embSilu, k: k, threads: threads)
            trace?("down.\(i)", h)
            skips.append(h)
            if let d = downsample[i] { h = d(h, threads: threads) }
            trace?("downsample.\(i)", h)
        }
        h = mid1(h, embSilu: embSilu, threads: threads)
        trace?("mid1", h)
        if let midAttn { h = midAttn(h) }
        trace?("mid_attn", h)
        if let midFAttn {
            h = midFAttn(h, k: k)
            trace?("mid_fattn", h)
        }
        h = mid2(h, embSilu: embSilu, threads: threads)
        trace?("mid2", h)
        for (i, level) in up.enumerated() {
            let s = skips.removeLast()
            if h.h != s.h || h.w != s.w { h = Kernels.nearest(h, h: s.h, w: s.w) }
            h = level(Kernels.concat(h, s), embSilu: embSilu, k: k, threads: threads)
            trace?("up.\(i)", h)
        }
        let o = out(Kernels.groupNorm(h, gamma: outNorm.gamma, beta: outNorm.beta, groups: cfg.groups, silu: true), threads: threads)
        trace?("out", o)
        return o
    }
}
