import Graph
import SpectralVolume

/// `poke`: interactive dynamics (paper section 6): pull a point of the picture and let go; the
/// scene's spectral volume, read as a modal basis, says how the rest follows and rings down.
public final class PokeFilter: Filter {
    public struct Options: FilterOptions {
        public var x = 0.5
        public var y = 0.5
        public var dx = 0.0
        public var dy = 0.0
        public var at = 0.0
        public var decay = 1.5
        /// Set through `ambient` so that a later poke can tell "ambient omitted" from "ambient=0".
        public private(set) var ambientValue = 0.0
        public private(set) var ambientGiven = false
        public var seconds = 0.0

        /// The ambient share, as the option table writes it.
        public var ambient: Double {
            get { ambientValue }
            set { ambientValue = newValue; ambientGiven = true }
        }

        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("x", \.x, default: 0.5, range: 0...1, help: "the point pulled, across the picture (0 = left edge, 1 = right edge)"),
            .double("y", \.y, default: 0.5, range: 0...1, help: "the point pulled, down the picture (0 = top, 1 = bottom)"),
            .double("dx", \.dx, default: 0, range: -1000...1000, help: "pull to the right, in pixels of the motion's grid (negative: left)"),
            .double("dy", \.dy, default: 0, range: -1000...1000, help: "pull downwards, in pixels (negative: up)"),
            .double("at", \.at, default: 0, range: 0...86400,
                    help: "seconds into the clip at which the point is let go (0: the clip starts pulled; later: taken up over the half second before)"),
            .double("decay", \.decay, default: 1.5, range: Dynamics.decayRange,
                    help: "seconds for this pull's motion to fall to 1/e after the release"),
            .double("ambient", \.ambient, default: 0, range: 0...1,
                    help: "share of the scene's own looping motion kept alongside (0 = still until pulled; a later poke keeps an earlier one's unless it gives its own)"),
            .double("seconds", \.seconds, default: 0, range: 0...86400,
                    help: "clip length; 0 = long enough to ring down (at + 4 x decay) and at least the input clip"),
        ]
    }

    public static let name = "poke"
    public static let summary = "Pull a point of the picture and let go: the motion's modes ring down (interactive dynamics)."
    public static let details = """
        Each frequency k of the spectral volume is a mode whose shape is S_k(p) (Davis et al.'s
        image-space modal basis, as in the paper's section 6). Held, the modes take the shape a
        force at the point gives (the force projected on each mode), scaled so that the point
        itself moves by (dx, dy); let go, every mode oscillates at its frequency f_k and decays
        (F_t(p) = sum_k Re(S_k(p) q_k(t))). Parts that move with the point in the scene's own
        motion follow it; parts that move independently stay still. Chain pokes to pull several
        times (their responses add). slowmo after poke slows the response down; magnify or a band
        before poke changes which modes take part. loop cannot follow poke (the clip rings down
        and does not repeat): put loop before poke to ask for a longer clip.
        Examples:
          gid-filter -i tree.jpg -vf "motion,poke=x=0.4:y=0.3:dx=12" poke.mp4
          -vf "motion,poke=x=0.5:y=0.2:dy=-8:decay=3,poke=x=0.5:y=0.2:dx=10:at=3:decay=3"
          -vf "motion,magnify=band=0-1,poke=x=0.7:y=0.4:dx=15:ambient=0.5,slowmo=2"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let options: Options
    /// Clip length in output seconds (as the timeline stands at this filter).
    private let clipSeconds: Double

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        self.options = options
        guard options.dx != 0 || options.dy != 0 else {
            throw GIDError.usage("\(label): give the pull, dx=PIXELS and/or dy=PIXELS (e.g. poke=x=0.4:y=0.3:dx=12)")
        }
        clipSeconds = options.seconds > 0 ? options.seconds
            : max(options.at + 4 * options.decay, input.duration ?? 0)
        output = input.withClip(seconds: clipSeconds).once()
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        // Options are in seconds of the clip as it stands here; the scene keeps its own time.
        let slowdown = scene.timeline.slowdown
        var dynamics = scene.dynamics ?? Dynamics()
        let pull = Dynamics.Pull(at: options.at / slowdown, x: options.x, y: options.y, dx: options.dx, dy: options.dy,
                                 decay: options.decay / slowdown)
        do {
            _ = try Dynamics.heldState(pull, volume: scene.volume)
        } catch let e as GIDError {
            throw GIDError.usage("\(label): \(e.message)")
        }
        dynamics.pulls.append(pull)
        if options.ambientGiven { dynamics.ambient = options.ambient }
        dynamics.seconds = clipSeconds / slowdown
        scene.dynamics = dynamics
        try emit(.motion(scene))
    }
}
