import Graph
import MediaIO

/// `lavfi`: runs any libavfilter chain (an ffmpeg `-vf` string) through libavfilter itself.
public final class LavfiFilter: Filter {
    public struct Options: FilterOptions {
        public var graph = "null"
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .string("graph", \.graph, default: "null", help: "libavfilter chain, as for ffmpeg -vf (quote it: lavfi='scale=512:-2,fps=25')"),
        ]
    }

    public static let name = "lavfi"
    public static let summary = "Run a libavfilter chain (any ffmpeg -vf string) on frames."
    public static let details = """
        Examples:
          -vf "lavfi='scale=512:-2,fps=25'"
          -vf "lavfi=graph='hflip,eq=contrast=1.2'"
        """
    public static let inputKind = StreamKind.frames
    public static let outputKind = StreamKind.frames

    public let output: StreamInfo
    private let graph: LavfiGraph
    private let label: String
    public let preservesTiming: Bool

    /// libavfilter filters that drop, add or retime frames (audio would drift if copied).
    static let retiming: Set<String> = [
        "fps", "framerate", "setpts", "minterpolate", "trim", "select", "tpad", "loop", "reverse", "tblend",
        "framestep", "mpdecimate", "decimate", "telecine", "interlace", "tinterlace", "fieldmatch", "yadif",
        "bwdif", "settb", "realtime", "shuffleframes", "random", "framepack", "xfade", "concat",
    ]

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        do {
            graph = try LavfiGraph(options.graph, width: input.width, height: input.height, inputFormat: input.pixelFormat,
                                   timeBase: input.timeBase, frameRate: input.frameRate)
        } catch let e as GIDError {
            throw GIDError(e.kind, "\(context.label): \(e.message)")
        }
        var out = input
        out.width = graph.width
        out.height = graph.height
        out.pixelFormat = graph.pixelFormatName
        out.timeBase = graph.timeBase
        out.frameRate = graph.frameRate ?? input.frameRate
        if out.frameRate != input.frameRate || out.timeBase != input.timeBase { out.frameCount = nil }
        let words = options.graph.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
        preservesTiming = out.timeBase == input.timeBase && !words.contains(where: Self.retiming.contains)
        out.loops = input.loops && preservesTiming  // a picture filter keeps a loop; a trim or fps change does not
        output = out
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        guard case .frame(let f) = item else { throw GIDError.usage("\(label): takes frames, got motion") }
        try graph.process(f) { try emit(.frame($0)) }
    }

    public func finish(emit: Emit) throws {
        try graph.process(nil) { try emit(.frame($0)) }
    }
}
