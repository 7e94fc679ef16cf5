import Graph
import SpectralVolume

/// `slowmo`: plays motion N times slower by sampling the texture at t / N (paper section 6), or
/// slows a video down N times by frame interpolation with bidirectional optical flow.
///
/// On motion this is exact for any real N: the texture is a sum of sinusoids, so it can be read at
/// any time. On frames, `InterpolatedSlowmo` makes the in-between pictures.
public final class SlowmoFilter: Filter {
    public struct Options: FilterOptions {
        public var factor = 2.0
        public var preset = "medium"
        public var sharpen = 1.0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("factor", \.factor, default: 2, range: 0.1...100,
                    help: "slow-down factor N: output time t shows the input at t/N (N < 1 speeds up); on motion the period becomes N*T"),
            .choice("preset", \.preset, default: "medium", choices: ["fast", "medium", "best"],
                    help: "frames: optical flow speed/accuracy trade-off of the interpolation (fast and medium measure flow on reduced pictures, finer where a probe finds it pays; best at full size, several times slower)"),
            .double("sharpen", \.sharpen, default: 1, range: 0...3,
                    help: "frames: give back the detail resampling blurs in made frames (1 undoes it to first order, 0 off, above 1 crisper than the source)"),
        ]
    }

    public static let name = "slowmo"
    public static let summary = "Slow down by any real factor N: motion sampled at t/N, or video frames interpolated with optical flow."
    public static let details = """
        The clip that render makes grows with the period: one period of a 5 s window becomes
        N*5 s. Frequencies the band option of magnify names stay the scene's own (before slowmo).
        On video frames: frame interpolation by softmax splatting. Flow both ways between
        neighbouring frames; both frames splatted to the in-between time, each pixel weighted by
        how well it matches in the other frame (covered pixels lose), mixed by time, falling back
        toward a blend where the flow does not explain a pixel, then sharpened by as much as the
        resampling blurred (sharpen=); the output keeps the input's frame rate and lasts N times as long (add
        lavfi='setpts=PTS/N' for the same length at N times the rate, as minterpolate does).
        Streaming: two frames and their flows are held.
        Examples:
          -vf slowmo=4
          -vf "slowmo=factor=2.5,loop=seconds=10"
          gid-filter -i clip.mp4 -vf slowmo=4 slow.mp4
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion
    public static let acceptsAnyKind = true
    public static func outputKind(for kind: StreamKind) -> StreamKind { kind }

    public let output: StreamInfo
    private let label: String
    private let factor: Double
    private let frames: InterpolatedSlowmo?

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        factor = options.factor
        if input.kind == .frames {
            let f = try InterpolatedSlowmo(factor: options.factor, preset: options.preset, sharpen: Float(options.sharpen),
                                           input: input, label: label)
            frames = f
            output = f.output
        } else {
            frames = nil
            output = input.withClip(seconds: input.duration.map { $0 * options.factor })
        }
    }

    public func finish(emit: Emit) throws { try frames?.finish(emit: emit) }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        if let frames { return try frames.receive(item, emit: emit) }
        var scene = try item.scene(for: label)
        scene.timeline.slowdown *= factor
        guard Timeline.slowdownRange.contains(scene.timeline.slowdown) else {
            throw GIDError.usage("\(label): factor=\(factor) makes the total slow-down \(scene.timeline.slowdown), outside \(Timeline.slowdownRange)")
        }
        if let seconds = scene.timeline.seconds {
            // An exact-length loop slowed down stays a loop, factor times longer.
            guard Timeline.secondsRange.contains(seconds * factor) else {
                throw GIDError.usage("\(label): factor=\(factor) makes the clip \(seconds * factor) s, outside \(Timeline.secondsRange)")
            }
            scene.timeline.seconds = seconds * factor
        }
        try emit(.motion(scene))
    }
}
