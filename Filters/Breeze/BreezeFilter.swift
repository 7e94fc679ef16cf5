import Graph
import SpectralVolume

/// `breeze`: a wind that never repeats. A continuous random force drives every mode of the
/// scene's modal basis (the same damped oscillators a `poke` rings), so a still becomes an
/// animation of any length with no loop in it.
public final class BreezeFilter: Filter {
    public struct Options: FilterOptions {
        public var strength = 1.0
        public var direction = -1.0
        public var gust = 0.5
        public var seed = 1
        public var decay = 1.5
        public var ambient = 0.0
        public var seconds = 0.0

        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("strength", \.strength, default: 1, range: Dynamics.Breeze.strengthRange,
                    help: "how hard the wind blows: 1 = a smooth part swings about as far as in the scene's own motion"),
            .double("direction", \.direction, default: -1, range: -1...360,
                    help: "degrees the wind blows toward (0 = right, 90 = down): modes that move along it swing more, across it less; -1 = no direction"),
            .double("gust", \.gust, default: 0.5, range: Dynamics.Breeze.gustRange,
                    help: "how much the strength swings, over a few seconds (0 = steady; 1 = lulls and gusts of twice the strength)"),
            .int("seed", \.seed, default: 1, range: 0...Int(Int32.max), help: "the wind's random sequence: the same seed gives the same frames"),
            .double("decay", \.decay, default: 1.5, range: Dynamics.decayRange,
                    help: "seconds for a mode's swing to die down (faster modes above 1 Hz: decay / sqrt(Hz)); short = stiff, long = springy"),
            .double("ambient", \.ambient, default: 0, range: 0...1, help: "share of the scene's own looping motion kept alongside"),
            .double("seconds", \.seconds, default: 0, range: 0...86400,
                    help: "clip length; 0 = the output's -t if given, else the input clip's length and at least 10 s"),
        ]
    }

    public static let name = "breeze"
    public static let summary = "Blow a never-repeating wind through the picture: random forces drive the motion's modes."
    public static let details = """
        Each frequency k of the spectral volume is a mode (as for poke): a damped oscillator at
        f_k whose real and imaginary parts are pushed by independent random forces. The force
        follows a wind whose strength drifts with gusts (an Ornstein-Uhlenbeck process, 2 s time
        constant); modes whose shapes are noisy (little spatial smoothness) are driven less, so a
        thin cable sways instead of turning into a squiggle, and every displacement is softly
        limited to 8% of the picture's longer side. The equations are in docs/dynamics.md. Ends
        the clip's looping: loop cannot follow breeze. Combine with poke (either order: the
        responses add), magnify before it to choose the modes, slowmo after it to slow it down.
        Examples:
          gid-filter -i tree.jpg -vf "motion,breeze" -t 60 wind.mp4
          -vf "motion,breeze=strength=2:direction=0:gust=1:seed=7"
          -vf "motion,breeze=strength=0.5:ambient=0.5,poke=x=0.5:y=0.3:dx=10:at=4"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let options: Options
    /// Clip length in output seconds (as the timeline stands at this filter).
    private let clipSeconds: Double

    /// Clip length when neither seconds= nor -t says.
    static let defaultSeconds = 10.0

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        self.options = options
        clipSeconds = options.seconds > 0 ? options.seconds
            : context.outputSeconds ?? max(input.duration ?? 0, Self.defaultSeconds)
        output = input.withClip(seconds: clipSeconds).once()
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        // Options are in seconds of the clip as it stands here; the scene keeps its own time.
        let slowdown = scene.timeline.slowdown
        var dynamics = scene.dynamics ?? Dynamics()
        dynamics.breeze = Dynamics.Breeze(strength: options.strength, direction: options.direction < 0 ? nil : options.direction,
                                          gust: options.gust, seed: UInt64(options.seed), decay: options.decay / slowdown)
        if options.ambient > 0 { dynamics.ambient = options.ambient }
        dynamics.seconds = max(scene.dynamics?.seconds ?? 0, clipSeconds / slowdown)
        scene.dynamics = dynamics
        try emit(.motion(scene))
    }
}
