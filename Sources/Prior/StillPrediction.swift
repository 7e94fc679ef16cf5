import Foundation
import Graph
import SpectralVolume

/// The graph glue of the prior: takes the first picture of a frames stream, predicts its motion
/// and emits one scene (I0 + spectral volume at the picture's size, T = 5 s at 30 fps).
/// Used by `motion` on a still and by `predict` (Filters/Motion, Filters/Predict).
/// Options of a filter that holds the prior's settings (`motion`, `predict`).
public protocol PriorOptions: FilterOptions {
    var prior: StillPrediction.Settings { get set }
}

extension PriorOptions {
    /// The prior's option rows, defaults from `StillPrediction.Settings`; `prefix` starts each
    /// help text (e.g. "still: " where the filter also measures).
    public static func priorTable(helpPrefix prefix: String = "") -> [OptionSpec<Self>] {
        let d = StillPrediction.Settings()
        return [
            .int("steps", \.prior.steps, default: d.steps, range: 1...1000,
                 help: prefix + "DDIM steps (a diffusion-prior model only; the default amplitude prior ignores it)"),
            .int("seed", \.prior.seed, default: d.seed, range: 0...Int(Int32.max),
                 help: prefix + "noise seed of the motion's phases; the same seed gives the same motion"),
            .double("guidance", \.prior.guidance, default: d.guidance, range: 0...20,
                    help: prefix + "classifier-free guidance (a diffusion-prior model only; 1 = none)"),
            .string("model", \.prior.model, default: d.model,
                    help: prefix + "prior model file (.safetensors); empty = the shipped gid-prior-default.safetensors ($GID_PRIOR_MODEL, beside the executable or in Models/)"),
        ]
    }
}

public final class StillPrediction {
    /// The learned-prior options both filters share.
    public struct Settings: Sendable {
        public var model = ""
        public var steps = 25
        public var seed = 0
        public var guidance = 1.5
        public init() {}
    }

    public let output: StreamInfo
    private let prior: MotionPrior
    private let settings: Settings
    private let label: String
    private var emitted = false

    /// Loads the model now, so a missing or corrupt file fails before any decoding (exit 3).
    public init(settings: Settings, input: StreamInfo, label: String) throws {
        do {
            prior = try MotionPrior.load(settings.model)
        } catch {
            throw GIDError(error.gidError.kind, "\(label): \(error.description)")
        }
        self.settings = settings
        self.label = label
        let rate = Rational(30, 1)
        output = StreamInfo(kind: .motion, width: input.width, height: input.height, timeBase: rate.inverted, frameRate: rate,
                            frameCount: 150, duration: 5, isStill: false, source: input.source, loops: true)
        Log.verbose("\(label): motion predicted by the \(prior.kind) \(prior.file) (seed \(settings.seed))")
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        guard !emitted else { return }
        guard case .frame(let frame) = item else {
            throw GIDError.usage("\(label): the prior predicts motion from a picture; the input is already motion")
        }
        let image = try frame.rgb()
        let start = Date()
        let volume: SpectralVolume
        do {
            volume = try prior.predict(image: image, steps: settings.steps, seed: UInt64(settings.seed),
                                       guidance: settings.guidance, threads: Self.threads)
        } catch {
            throw GIDError(error.gidError.kind, "\(label): \(error.description)")
        }
        Log.verbose("\(label): predicted \(image.width)x\(image.height) motion in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        emitted = true
        try emit(.motion(try Scene(image: image, volume: volume)))
    }

    /// Threads for the prediction: $GID_PRIOR_THREADS (benchmarks), else 2 (the guided pair) or
    /// more on bigger machines. The result does not depend on it.
    static var threads: Int {
        if let s = ProcessInfo.processInfo.environment["GID_PRIOR_THREADS"], let n = Int(s), n >= 1 { return min(n, 64) }
        return max(2, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    public func finish(emit: Emit) throws {
        guard emitted else {
            throw GIDError.input("\(label): the input has no picture to predict motion from")
        }
    }
}
