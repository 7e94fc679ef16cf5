/// The network's building blocks (Training/model.py), weights loaded by their PyTorch names.
/// Shapes are checked against the model config on load, so a mismatched file fails there.

/// nn.Conv2d (padding k/2 unless given).
struct Conv: Sendable {
    var weight: [Float]
    var bias: [Float]
    var cin: Int
    var cout: Int
    var k: Int
    var stride: Int
    var pad: Int

    init(_ f: TensorFile, _ name: String, cin: Int, cout: Int, k: Int, stride: Int = 1, pad: Int? = nil) throws(PriorError) {
        weight = try f.floats("\(name).weight", shape: [cout, cin, k, k])
        bias = try f.floats("\(name).bias", shape: [cout])
        self.cin = cin; self.cout = cout; self.k = k; self.stride = stride; self.pad = pad ?? k / 2
    }

    init(weight: [Float], bias: [Float], cin: Int, cout: Int, k: Int, stride: Int = 1, pad: Int? = nil) {
        self.weight = weight; self.bias = bias
        self.cin = cin; self.cout = cout; self.k = k; self.stride = stride; self.pad = pad ?? k / 2
    }

    /// The convolution over input channels `range` only (the others' weights dropped), `bias` given.
    func restricted(to range: Range<Int>, bias: [Float]) -> Conv {
        let kk = k * k
        var w: [Float] = []
        w.reserveCapacity(cout * range.count * kk)
        for co in 0..<cout { w.append(contentsOf: weight[((co * cin + range.lowerBound) * kk)..<((co * cin + range.upperBound) * kk)]) }
        return Conv(weight: w, bias: bias, cin: range.count, cout: cout, k: k, stride: stride, pad: pad)
    }

    func callAsFunction(_ x: Tensor, threads: Int) -> Tensor {
        precondition(x.c == cin, "conv: \(x.c) channels in, \(cin) expected")
        return Kernels.conv2d(x, weight: weight, bias: bias, cout: cout, k: k, stride: stride, pad: pad, threads: threads)
    }
}

/// nn.Linear.
struct Linear: Sendable {
    var weight: [Float]
    var bias: [Float]
    var inF: Int
    var outF: Int

    init(_ f: TensorFile, _ name: String, inF: Int, outF: Int, weightName: String? = nil, biasName: String? = nil) throws(PriorError) {
        weight = try f.floats(weightName ?? "\(name).weight", shape: [outF, inF])
        bias = try f.floats(biasName ?? "\(name).bias", shape: [outF])
        self.inF = inF; self.outF = outF
    }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        Kernels.linear(x, rows: rows, weight: weight, bias: bias, inF: inF, outF: outF)
    }
}

/// GroupNorm / LayerNorm affine parameters.
struct Norm: Sendable {
    var gamma: [Float]
    var beta: [Float]

    init(_ f: TensorFile, _ name: String, channels: Int) throws(PriorError) {
        gamma = try f.floats("\(name).weight", shape: [channels])
        beta = try f.floats("\(name).bias", shape: [channels])
    }
}

/// nn.MultiheadAttention (batch_first, self-attention): packed in-projection, heads, out-projection.
struct MultiHeadAttention: Sendable {
    var inProj: Linear
    var outProj: Linear
    var heads: Int
    var channels: Int

    init(_ f: TensorFile, _ name: String, channels: Int, heads: Int) throws(PriorError) {
        inProj = try Linear(f, name, inF: channels, outF: 3 * channels,
                            weightName: "\(name).in_proj_weight", biasName: "\(name).in_proj_bias")
        outProj = try Linear(f, "\(name).out_proj", inF: channels, outF: channels)
        self.heads = heads
        self.channels = channels
    }

    /// tokens (batch * length, C) -> (batch * length, C).
    func callAsFunction(_ tokens: [Float], batch: Int, length: Int) -> [Float] {
        let qkv = inProj(tokens, rows: batch * length)
        let att = Kernels.attention(qkv: qkv, batch: batch, length: length, channels: channels, heads: heads)
        return outProj(att, rows: batch * length)
    }
}

/// GroupNorm-SiLU-conv twice with the embedding added in between, plus the (1x1) skip.
struct ResBlock: Sendable {
    var norm1: Norm
    var conv1: Conv
    var emb: Linear
    var norm2: Norm
    var conv2: Conv
    var skip: Conv?
    var groups: Int

    init(_ f: TensorFile, _ name: String, cin: Int, cout: Int, embWidth: Int, groups: Int) throws(PriorError) {
        norm1 = try Norm(f, "\(name).norm1", channels: cin)
        conv1 = try Conv(f, "\(name).conv1", cin: cin, cout: cout, k: 3)
        emb = try Linear(f, "\(name).emb", inF: embWidth, outF: cout)
        norm2 = try Norm(f, "\(name).norm2", channels: cout)
        conv2 = try Conv(f, "\(name).conv2", cin: cout, cout: cout, k: 3)
        skip = cin != cout ? try Conv(f, "\(name).skip", cin: cin, cout: cout, k: 1) : nil
        self.groups = groups
    }

    /// x (n, cin, h, w); embSilu = silu(emb), (n, E).
    func callAsFunction(_ x: Tensor, embSilu: [Float], threads: Int) -> Tensor {
        var h = conv1(Kernels.groupNorm(x, gamma: norm1.gamma, beta: norm1.beta, groups: groups, silu: true), threads: threads)
        Kernels.addChannelBias(&h, emb(embSilu, rows: x.n))
        h = conv2(Kernels.groupNorm(h, gamma: norm2.gamma, beta: norm2.beta, groups: groups, silu: true), threads: threads)
        // h + skip(x), summed into h (uniquely owned: no copy of x).
        Kernels.add(&h.data, skip.map { $0(x, threads: threads) }?.data ?? x.data)
        return h
    }
}

/// Self-attention over the h*w pixels of each slice (GroupNorm first, residual).
struct SpatialAttention: Sendable {
    var norm: Norm
    var attn: MultiHeadAttention
    var groups: Int

    init(_ f: TensorFile, _ name: String, channels: Int, heads: Int, groups: Int) throws(PriorError) {
        norm = try Norm(f, "\(name).norm", channels: channels)
        attn = try MultiHeadAttention(f, "\(name).attn", channels: channels, heads: heads)
        self.groups = groups
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let y = Kernels.groupNorm(x, gamma: norm.gamma, beta: norm.beta, groups: groups, silu: false)
        let C = x.c, P = x.plane
        let tokens = Kernels.transpose(y.data, batches: x.n, rows: C, cols: P)     // (n, P, C)
        let o = attn(tokens, batch: x.n, length: P)
        var out = Tensor(n: x.n, c: C, h: x.h, w: x.w, data: Kernels.transpose(o, batches: x.n, rows: P, cols: C))
        Kernels.add(&out.data, x.data)
        return out
    }
}

/// Attention across the G slices of one window at each pixel (LayerNorm + frequency position, residual).
struct FrequencyAttention: Sendable {
    var norm: Norm
    var pos: [Float]
    var attn: MultiHeadAttention
    var K: Int

    init(_ f: TensorFile, _ name: String, channels: Int, heads: Int, K: Int) throws(PriorError) {
        norm = try Norm(f, "\(name).norm", channels: channels)
        pos = try f.floats("\(name).pos", shape: [K, channels])
        attn = try MultiHeadAttention(f, "\(name).attn", channels: channels, heads: heads)
        self.K = K
    }

    /// x (G, C, h, w): the slices of one window; k (G,) their frequencies.
    func callAsFunction(_ x: Tensor, k: [Int]) -> Tensor {
        let G = x.n
        if G == 1 { return x }
        let C = x.c, P = x.plane
        var posRows = [Float](repeating: 0, count: G * C)
        for g in 0..<G { for c in 0..<C { posRows[g * C + c] = pos[k[g] * C + c] } }
        // Channel-major throughout: LayerNorm over C at each (slice, pixel), projections as 1x1 convolutions.
        let y = Kernels.layerNormChannels(x.data, slices: G, channels: C, pixels: P, gamma: norm.gamma, beta: norm.beta, add: posRows)
        let qkv = Kernels.pointwise(y, slices: G, pixels: P, weight: attn.inProj.weight, bias: attn.inProj.bias, inF: C, outF: 3 * C)
        let att = Kernels.attentionAcrossSlices(qkv: qkv, slices: G, channels: C, pixels: P, heads: attn.heads)
        var out = Tensor(n: G, c: C, h: x.h, w: x.w,
                         data: Kernels.pointwise(att, slices: G, pixels: P, weight: attn.outProj.weight, bias: attn.outProj.bias, inF: C, outF: C))
        Kernels.add(&out.data, x.data)
        return out
    }
}

/// res_blocks ResBlocks, each optionally followed by frequency attention.
struct Level: Sendable {
    var blocks: [ResBlock]
    var fattn: [FrequencyAttention]?

    init(_ f: TensorFile, _ name: String, cin: Int, cout: Int, count: Int, cfg: PriorConfig, withFrequencyAttention: Bool) throws(PriorError) {
        var blocks: [ResBlock] = []
        for i in 0..<count {
            blocks.append(try ResBlock(f, "\(name).blocks.\(i)", cin: i == 0 ? cin : cout, cout: cout,
                                       embWidth: cfg.embeddingWidth, groups: cfg.groups))
        }
        self.blocks = blocks
        if withFrequencyAttention {
            var fa: [FrequencyAttention] = []
            for i in 0..<count {
                fa.append(try FrequencyAttention(f, "\(name).fattn.\(i)", channels: cout, heads: cfg.heads, K: cfg.K))
            }
            fattn = fa
        } else {
            fattn = nil
        }
    }

    func callAsFunction(_ x: Tensor, embSilu: [Float], k: [Int], threads: Int) -> Tensor {
        var h = x
        for (i, b) in blocks.enumerated() {
            h = b(h, embSilu: embSilu, threads: threads)
            if let fattn { h = fattn[i](h, k: k) }
        }
        return h
    }
}
