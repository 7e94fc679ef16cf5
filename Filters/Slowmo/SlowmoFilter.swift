import Graph
import SpectralVolume

/// `slowmo`: plays motion N times slower by sampling the texture at t / N (paper section 6).
///
/// On motion this is exact for any real N: the texture is a sum of sinusoids, so it can be read at
/// any time. Slowing down a video's frames (interpolating with measured flow) is a separate
/// frames -> frames filter that comes with the Flow module.
public final class SlowmoFilter: Filter {
    public struct Options: FilterOptions {
        public var factor = 2.0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("factor", \.factor, default: 2, range: 0.1...100,
                    help: "slow-down factor N: output time t shows the motion at t/N (N < 1 speeds up); the period becomes N*T"),
        ]
    }

    public static let name = "slowmo"
    public static let summary = "Slow motion down (or speed it up) by any real factor N; the period becomes N*T."
    public static let details = """
        The clip that render makes grows with the period: one period of a 5 s window becomes
        N*5 s. Frequencies the band option of magnify names stay the scene's own (before slowmo).
        Examples:
          -vf slowmo=4
          -vf "slowmo=factor=2.5,loop=seconds=10"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let factor: Double

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        factor = options.factor
        output = input.withClip(seconds: input.duration.map { $0 * options.factor })
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        scene.timeline.slowdown *= factor
        guard Timeline.slowdownRange.contains(scene.timeline.slowdown) else {
            throw GIDError.usage("\(label): factor=\(factor) makes the total slow-down \(scene.timeline.slowdown), outside \(Timeline.slowdownRange)")
        }
        try emit(.motion(scene))
    }
}
