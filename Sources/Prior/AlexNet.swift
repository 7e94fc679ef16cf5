/// Training/features.py `AlexNetFeatures`: the five convolutions of ImageNet AlexNet (frozen,
/// shipped inside the model file as `alexnet.convs.i.*`) and their ReLU outputs.
struct AlexNet: Sendable {
    /// (out channels, kernel, stride, padding); a 3x3 / 2 max pool follows the first two.
    static let layout = [(64, 11, 4, 2), (192, 5, 1, 2), (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1)]
    static let shift: [Float] = [-0.030, -0.088, -0.188]
    static let scale: [Float] = [0.458, 0.448, 0.450]
    /// The smallest input side whose every layer keeps at least one pixel (amplitude.input_size).
    static let minimumSide = 64

    var convs: [Conv]

    init(_ f: TensorFile) throws(PriorError) {
        var cin = 3
        convs = []
        for (i, (cout, k, s, p)) in Self.layout.enumerated() {
            convs.append(try Conv(f, "alexnet.convs.\(i)", cin: cin, cout: cout, k: k, stride: s, pad: p))
            cin = cout
        }
    }

    /// The five ReLU outputs for a picture (3, H, W) in 0..1.
    func callAsFunction(_ image: [Float], width: Int, height: Int) -> [Tensor] {
        let plane = width * height
        var x = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            let sh = Self.shift[c], sc = Self.scale[c]
            for i in 0..<plane { x[c * plane + i] = (image[c * plane + i] * 2 - 1 - sh) / sc }
        }
        var t = Tensor(n: 1, c: 3, h: height, w: width, data: x)
        var taps: [Tensor] = []
        for (i, conv) in convs.enumerated() {
            t = conv(t, threads: 1)
            Kernels.relu(&t)
            taps.append(t)
            if i < 2 { t = Kernels.maxPool(t, k: 3, stride: 2) }
        }
        return taps
    }
}
