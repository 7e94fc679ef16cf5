import Graph
import SpectralVolume

/// `loop`: makes the rendered clip a whole number of periods long, so it loops with no seam.
public final class LoopFilter: Filter {
    public struct Options: FilterOptions {
        public var seconds = 0.0
        public var count = 0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("seconds", \.seconds, default: 0, range: 0...86400,
                    help: "wanted clip length; rounded to the nearest whole number of periods (at least 1)"),
            .int("repeat", \.count, default: 0, range: 0...10000,
                 help: "number of periods instead (overrides seconds)"),
        ]
    }

    public static let name = "loop"
    public static let summary = "Make the clip a whole number of motion periods, so it loops seamlessly."
    public static let details = """
        The motion texture repeats every period (T, the window, times any slowmo factor before
        this filter), so a clip of whole periods ends exactly where it starts. loop repeats its
        input clip: one period, unless an earlier loop made it longer. render then makes the
        frames; with a fractional period it spreads the rounding over the clip so the last frame
        still flows into the first. slowmo after loop slows the whole clip down (it gets longer).
        Examples:
          -vf loop=seconds=10
          -vf "slowmo=2,loop=repeat=3"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let options: Options

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        guard options.count > 0 || options.seconds > 0 else {
            throw GIDError.usage("\(context.label): give seconds=S (clip length) or repeat=R (number of periods)")
        }
        label = context.label
        self.options = options
        output = input.withClip(seconds: input.duration.map { $0 * Double(Self.repeats(options, clip: $0)) })
    }

    /// How many times the input clip (of `clip` seconds) is repeated.
    static func repeats(_ o: Options, clip: Double) -> Int {
        o.count > 0 ? o.count : Timeline.periods(toFill: o.seconds, period: clip)
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        guard scene.dynamics == nil else {
            throw GIDError.usage("\(label): the scene has been poked; its response rings down and does not repeat, so it cannot loop (put loop before poke to ask for a longer clip)")
        }
        let clip = scene.timeline.duration(window: scene.volume.windowSeconds)
        let periods = scene.timeline.periods * Self.repeats(options, clip: clip)
        guard Timeline.periodsRange.contains(periods) else {
            throw GIDError.usage("\(label): the clip would hold \(periods) periods, more than \(Timeline.periodsRange.upperBound)")
        }
        scene.timeline.periods = periods
        try emit(.motion(scene))
    }
}
