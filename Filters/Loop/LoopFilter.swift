import Graph
import SpectralVolume

/// `loop`: makes the rendered clip loop with no seam: exactly S seconds, or R whole periods.
public final class LoopFilter: Filter {
    public struct Options: FilterOptions {
        public var seconds = 0.0
        public var count = 0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("seconds", \.seconds, default: 0, range: 0...86400,
                    help: "clip length, exactly (round(S x fps) frames); each motion frequency moves to a whole number of cycles per clip, so any length loops"),
            .int("repeat", \.count, default: 0, range: 0...10000,
                 help: "number of whole periods instead (overrides seconds; keeps every frequency as it is)"),
        ]
    }

    public static let name = "loop"
    public static let summary = "Make the clip loop seamlessly: exactly S seconds, or R whole motion periods."
    public static let details = """
        The motion texture repeats every period (T, the window, times any slowmo factor before
        this filter). seconds=S makes the clip exactly S seconds long, whatever T: term k's
        k / T cycles per second become the nearest whole number of cycles per clip (at least
        one), so the last frame flows into the first. That changes the speed of a term by
        |whole / exact - 1|: little for the fast terms, most for the slowest ones when S is short
        or not near a multiple of T (render warns above 30%). repeat=R plays R whole periods
        instead, every frequency unchanged. A second loop repeats the clip the first one made;
        slowmo after loop slows the whole clip down (it gets longer). Written as H.264, a loop's
        first and last frames get more bits, so the key frame does not pop at the wrap; -t, -ss,
        -frames:v, -r and render=duration cut the loop and turn that off.
        Examples:
          -vf loop=seconds=4
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
        guard options.count > 0 || Timeline.secondsRange.contains(options.seconds) else {
            throw GIDError.usage("\(context.label): seconds=\(options.seconds): want \(Timeline.secondsRange.lowerBound) to \(Timeline.secondsRange.upperBound)")
        }
        label = context.label
        self.options = options
        output = input.withClip(seconds: options.count > 0 ? input.duration.map { $0 * Double(options.count) } : options.seconds)
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        guard scene.dynamics == nil else {
            let what = scene.dynamics?.breeze != nil ? "blown by breeze, whose wind never repeats" : "poked; its response rings down and does not repeat"
            throw GIDError.usage("\(label): the scene has been \(what), so it cannot loop (put loop before poke to ask for a longer clip; give breeze seconds= or -t)")
        }
        if options.count > 0 {
            if let seconds = scene.timeline.seconds {
                let total = seconds * Double(options.count)
                guard Timeline.secondsRange.contains(total) else {
                    throw GIDError.usage("\(label): the clip would last \(total) s, more than \(Timeline.secondsRange.upperBound)")
                }
                scene.timeline.seconds = total
            } else {
                let periods = scene.timeline.periods * options.count
                guard Timeline.periodsRange.contains(periods) else {
                    throw GIDError.usage("\(label): the clip would hold \(periods) periods, more than \(Timeline.periodsRange.upperBound)")
                }
                scene.timeline.periods = periods
            }
        } else {
            scene.timeline.seconds = options.seconds
        }
        try emit(.motion(scene))
    }
}
