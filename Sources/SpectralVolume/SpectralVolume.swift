import Graph

/// The paper's spectral volume S: per pixel, the first K temporal Fourier coefficients of the
/// x and y displacement over a window of T seconds (section 4.1).
///
/// Conventions (one for the whole module; docs/motion-file.md repeats them):
/// - Displacements are in pixels of this volume's grid; axis 0 is x (right), axis 1 is y (down).
/// - A window holds N = T * fps frames; frequency f_k = k / T Hz, k = 0..K-1 (k = 0 is DC).
/// - Forward: S_k = (1/N) * sum_{n=0}^{N-1} F_n * exp(-2 pi i k n / N)  (divided by N, so a cosine
///   of amplitude A at bin k > 0 gives |S_k| = A/2 and a constant offset c gives S_0 = c).
/// - Inverse, at any real time t in frames: F(t) = Re(S_0) + 2 * sum_{k>=1} Re(S_k exp(2 pi i k t / N)).
///   This reproduces any trajectory whose spectrum lies in bins 0..K-1; it needs 2(K-1) < N
///   (no Nyquist bin), which K <= 75 guarantees for the default N = 150.
public struct SpectralVolume: Sendable, Equatable {
    /// Allowed number of frequencies (75 = the last bin below Nyquist for 150 frames).
    public static let frequencyRange: ClosedRange<Int> = 1...75
    /// Allowed window T, seconds (a motion period longer than a day is no loop anyone renders).
    public static let windowRange: ClosedRange<Double> = 1e-3...86400
    /// The paper's default K.
    public static let defaultFrequencies = 16
    /// The paper's default frame rate.
    public static let defaultFPS = 30.0
    /// The paper's default window: 150 frames at 30 fps.
    public static let defaultWindowSeconds = 5.0

    /// Number of frequencies K.
    public let frequencies: Int
    /// Grid width W.
    public let width: Int
    /// Grid height H.
    public let height: Int
    /// (K, 2, H, W) complex: planar, real plane then imaginary plane, each (K, 2, H, W) row-major.
    /// Seen as a matrix this is (2K, 2HW): rows 0..K-1 are Re(S_k), rows K..2K-1 are Im(S_k), so
    /// evaluation and projection are each one matrix product against a (times x 2K) basis.
    public var data: [Float]
    /// Frames per second of the time axis.
    public var fps: Double
    /// Window length T in seconds (the period of the motion texture).
    public var windowSeconds: Double
    /// Where the motion came from ("measured:in.mp4", "predicted", a file name).
    public var source: String
    /// Whether `data` holds raw or frequency-adaptive normalized coefficients.
    public var normalization: Normalization

    /// Coefficient storage kind: raw pixels, or the paper's eq. 4 with these per-frequency scales.
    public enum Normalization: Sendable, Equatable {
        /// Raw coefficients, in pixels.
        case none
        /// sign(x) * sqrt(|x| / s_k) applied to real and imaginary parts, with these scales.
        case adaptive(NormalizationStats)

        /// "none" | "adaptive", as written in motion files.
        public var name: String {
            switch self {
            case .none: return "none"
            case .adaptive: return "adaptive"
            }
        }
    }

    /// A zero volume (checks K, sizes and timing).
    public init(frequencies: Int = SpectralVolume.defaultFrequencies, width: Int, height: Int,
                fps: Double = SpectralVolume.defaultFPS, windowSeconds: Double = SpectralVolume.defaultWindowSeconds,
                source: String = "", normalization: Normalization = .none) throws {
        try self.init(frequencies: frequencies, width: width, height: height,
                      data: [Float](repeating: 0, count: 2 * frequencies * 2 * max(width, 0) * max(height, 0)),
                      fps: fps, windowSeconds: windowSeconds, source: source, normalization: normalization)
    }

    /// A volume over existing coefficients in the planar layout documented on `data`.
    public init(frequencies: Int, width: Int, height: Int, data: [Float], fps: Double, windowSeconds: Double,
                source: String = "", normalization: Normalization = .none) throws {
        guard Self.frequencyRange.contains(frequencies) else {
            throw GIDError.usage("spectral volume: K=\(frequencies) frequencies is outside 1..75")
        }
        guard width > 0, height > 0 else {
            throw GIDError.usage("spectral volume: size \(width)x\(height) must be positive")
        }
        guard Limits.frameRate.contains(fps), Self.windowRange.contains(windowSeconds) else {
            throw GIDError.usage("spectral volume: fps=\(fps) must be in 0.001...1000 and window=\(windowSeconds) s in 0.001...86400")
        }
        guard data.count == 2 * frequencies * 2 * width * height else {
            throw GIDError.internal("spectral volume: \(data.count) floats, want 2*\(frequencies)*2*\(height)*\(width)")
        }
        if case .adaptive(let stats) = normalization, stats.scales.count != frequencies {
            throw GIDError.usage("spectral volume: \(stats.scales.count) normalization scales for K=\(frequencies)")
        }
        self.frequencies = frequencies
        self.width = width
        self.height = height
        self.data = data
        self.fps = fps
        self.windowSeconds = windowSeconds
        self.source = source
        self.normalization = normalization
    }

    /// H * W.
    public var planeSize: Int { width * height }
    /// 2 * H * W: floats in one displacement field (x plane then y plane).
    public var fieldSize: Int { 2 * width * height }
    /// Floats in one of the real or imaginary planes: K * 2 * H * W.
    public var partSize: Int { frequencies * fieldSize }
    /// Window length N in frames (T * fps; may be fractional for odd rates).
    public var windowFrames: Double { windowSeconds * fps }

    /// Frequency of bin k in Hz: k / T.
    public func frequency(_ k: Int) -> Double { Double(k) / windowSeconds }
    /// All K frequencies in Hz.
    public var frequenciesHz: [Double] { (0..<frequencies).map(frequency) }

    /// The real parts, (K, 2, H, W).
    public var real: ArraySlice<Float> { data[0..<partSize] }
    /// The imaginary parts, (K, 2, H, W).
    public var imag: ArraySlice<Float> { data[partSize..<(2 * partSize)] }

    /// Offset of Re(S_k[axis, y, x]) in `data`; add `partSize` for the imaginary part.
    @inlinable public func index(k: Int, axis: Int, y: Int, x: Int) -> Int {
        ((k * 2 + axis) * height + y) * width + x
    }

    /// The coefficient S_k[axis, y, x] as (re, im).
    public func coefficient(k: Int, axis: Int, y: Int, x: Int) -> (re: Float, im: Float) {
        let i = index(k: k, axis: axis, y: y, x: x)
        return (data[i], data[partSize + i])
    }

    /// Sets the coefficient S_k[axis, y, x].
    public mutating func setCoefficient(k: Int, axis: Int, y: Int, x: Int, _ value: (re: Float, im: Float)) {
        let i = index(k: k, axis: axis, y: y, x: x)
        data[i] = value.re
        data[partSize + i] = value.im
    }
}

/// A motion stream item: the reference frame I0 and its spectral volume on the same grid.
public struct Scene: MotionItem, Sendable {
    /// The reference picture I0.
    public var image: RGBImage
    /// Its motion.
    public var volume: SpectralVolume
    /// How it plays back (slowmo, loop length); `render` reads it.
    public var timeline: Timeline
    /// Pulls on the picture (`poke`): when set, `render` plays their response (plus any ambient
    /// share of the texture) for `dynamics.seconds` instead of the looping texture.
    public var dynamics: Dynamics?
    /// How many times `magnify` has scaled the displacements since they were measured or
    /// predicted (its largest factor on a moving term; 1 = as they came). `render` scales its test
    /// for chaotic (noisy) motion by it, so magnified motion is not rendered softer than the
    /// motion itself.
    public var editGain: Double = 1

    /// Allowed `editGain` (checked when read from a file).
    public static let editGainRange: ClosedRange<Double> = 1e-6...1e6

    /// Whether the motion came from the learned prior (a still) rather than from measured flow:
    /// a model's output is smooth, with no flow noise for `render` to hedge against.
    public var isPredicted: Bool { volume.source.hasPrefix(Self.predictedSourcePrefix) }
    /// How a predicted volume's `source` begins ("prior:MODEL settings").
    public static let predictedSourcePrefix = "prior:"

    /// Pairs a picture with a volume of the same size.
    public init(image: RGBImage, volume: SpectralVolume, timeline: Timeline = Timeline()) throws {
        guard image.width == volume.width, image.height == volume.height else {
            throw GIDError.usage("scene: image \(image.width)x\(image.height) and spectral volume \(volume.width)x\(volume.height) differ in size")
        }
        self.image = image
        self.volume = volume
        self.timeline = timeline
    }

    /// Grid width.
    public var width: Int { volume.width }
    /// Grid height.
    public var height: Int { volume.height }
}
