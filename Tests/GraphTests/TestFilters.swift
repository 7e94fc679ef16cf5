import Graph
import NullFilter

// Tiny filters for exercising the chain runner and the option tables; frames carry a number in
// `pts` so that tests can follow them.

struct NoOptions: FilterOptions {
    init() {}
    static let table: [OptionSpec<NoOptions>] = []
}

/// Emits every item twice.
final class DoubleFilter: Filter {
    typealias Options = NoOptions
    static let name = "double"
    static let summary = "Emit every item twice."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.frames
    let output: StreamInfo
    init(options: Options, input: StreamInfo, context: FilterContext) throws { output = input }
    func receive(_ item: StreamItem, emit: Emit) throws {
        try emit(item)
        try emit(item)
    }
}

/// Keeps everything until finish.
final class HoldFilter: Filter {
    typealias Options = NoOptions
    static let name = "hold"
    static let summary = "Buffer items and emit them at end of stream."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.frames
    let output: StreamInfo
    var held: [StreamItem] = []
    init(options: Options, input: StreamInfo, context: FilterContext) throws { output = input }
    func receive(_ item: StreamItem, emit: Emit) throws { held.append(item) }
    func finish(emit: Emit) throws {
        for item in held { try emit(item) }
        held = []
    }
}

/// Passes items through and emits one extra frame numbered `value` at finish.
final class MarkFilter: Filter {
    struct Options: FilterOptions {
        var value = -1
        static let table: [OptionSpec<Options>] = [.int("value", \.value, default: -1, range: -1000...1000, help: "pts of the marker")]
    }
    static let name = "mark"
    static let summary = "Append a marker frame at end of stream."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.frames
    let output: StreamInfo
    let value: Int
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        output = input
        value = options.value
    }
    func receive(_ item: StreamItem, emit: Emit) throws { try emit(item) }
    func finish(emit: Emit) throws { try emit(frame(Int64(value))) }
}

struct TestMotion: MotionItem {
    var width: Int
    var height: Int
    var tag: Int64
}

/// frames -> motion.
final class AnalyzeFilter: Filter {
    typealias Options = NoOptions
    static let name = "analyze"
    static let summary = "Turn frames into motion."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.motion
    let output: StreamInfo
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        var info = input
        info.kind = .motion
        output = info
    }
    func receive(_ item: StreamItem, emit: Emit) throws {
        guard case .frame(let f) = item else { throw GIDError.internal("analyze: not a frame") }
        try emit(.motion(TestMotion(width: f.width, height: f.height, tag: f.pts)))
    }
}

/// motion -> frames.
final class RenderFilter: Filter {
    typealias Options = NoOptions
    static let name = "render"
    static let summary = "Turn motion into frames."
    static let inputKind = StreamKind.motion
    static let outputKind = StreamKind.frames
    let output: StreamInfo
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        var info = input
        info.kind = .frames
        output = info
    }
    func receive(_ item: StreamItem, emit: Emit) throws {
        guard case .motion(let m) = item, let t = m as? TestMotion else { throw GIDError.internal("render: not motion") }
        try emit(frame(t.tag))
    }
}

/// Takes either kind and gives the same kind back, adding 100 to the number (as `slowmo`).
final class EitherFilter: Filter {
    typealias Options = NoOptions
    static let name = "either"
    static let summary = "Take frames or motion, give the same kind."
    static let inputKind = StreamKind.motion
    static let outputKind = StreamKind.motion
    static let acceptsAnyKind = true
    static func outputKind(for kind: StreamKind) -> StreamKind { kind }
    let output: StreamInfo
    init(options: Options, input: StreamInfo, context: FilterContext) throws { output = input }
    func receive(_ item: StreamItem, emit: Emit) throws {
        switch item {
        case .frame(let f): try emit(frame(f.pts + 100))
        case .motion(let m):
            guard let t = m as? TestMotion else { throw GIDError.internal("either: not test motion") }
            try emit(.motion(TestMotion(width: t.width, height: t.height, tag: t.tag + 100)))
        }
    }
}

/// Takes either kind and always gives motion (as `motion`: measure frames, replace motion).
final class ToMotionFilter: Filter {
    typealias Options = NoOptions
    static let name = "tomotion"
    static let summary = "Take frames or motion, give motion."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.motion
    static let acceptsAnyKind = true
    let output: StreamInfo
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        var info = input
        info.kind = .motion
        output = info
    }
    func receive(_ item: StreamItem, emit: Emit) throws {
        switch item {
        case .frame(let f): try emit(.motion(TestMotion(width: f.width, height: f.height, tag: f.pts)))
        case .motion: try emit(item)
        }
    }
}

/// Fails in init with an unlabelled message.
final class FailFilter: Filter {
    typealias Options = NoOptions
    static let name = "fail"
    static let summary = "Refuse to start."
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.frames
    var output: StreamInfo { fatalError("never built") }
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        throw GIDError.usage("cannot work on \(input.width)x\(input.height)")
    }
    func receive(_ item: StreamItem, emit: Emit) throws {}
}

/// One option of every OptionSpec kind, stored for inspection.
final class OptsFilter: Filter {
    struct Options: FilterOptions {
        var gain = 4.0
        var count = 3
        var fast = false
        var path = ""
        var mode = "linear"
        var band: ClosedRange<Double>?
        static let table: [OptionSpec<Options>] = [
            .double("gain", \.gain, default: 4, range: 0...100, help: "amplification factor"),
            .int("count", \.count, default: 3, range: 1...10, help: "how many"),
            .bool("fast", \.fast, default: false, help: "trade quality for speed"),
            .string("path", \.path, default: "", help: "a file"),
            .choice("mode", \.mode, default: "linear", choices: ["linear", "cubic"], help: "interpolation"),
            .interval("band", \.band, range: 0...1000, help: "frequency band in Hz"),
        ]
    }
    static let name = "opts"
    static let summary = "Take one option of every type."
    static let details = "Example: opts=2:band=0.5-3"
    static let inputKind = StreamKind.frames
    static let outputKind = StreamKind.frames
    let output: StreamInfo
    let options: Options
    init(options: Options, input: StreamInfo, context: FilterContext) throws {
        output = input
        self.options = options
    }
    func receive(_ item: StreamItem, emit: Emit) throws { try emit(item) }
}

let testRegistry = FilterRegistry([
    FilterDescriptor(NullFilter.self), FilterDescriptor(DoubleFilter.self), FilterDescriptor(HoldFilter.self),
    FilterDescriptor(MarkFilter.self), FilterDescriptor(AnalyzeFilter.self), FilterDescriptor(RenderFilter.self),
    FilterDescriptor(FailFilter.self), FilterDescriptor(OptsFilter.self), FilterDescriptor(EitherFilter.self),
    FilterDescriptor(ToMotionFilter.self),
])

let testInput = StreamInfo(width: 4, height: 2, timeBase: Rational(1, 25), source: "in.mp4")

func frame(_ n: Int64) -> StreamItem {
    .frame(Frame(RGBImage(width: 1, height: 1), pts: n, duration: 1, timeBase: Rational(1, 25)))
}

/// The number a test item carries.
func number(_ item: StreamItem) -> Int64 {
    switch item {
    case .frame(let f): return f.pts
    case .motion(let m): return (m as? TestMotion)?.tag ?? .min
    }
}

func pos(_ v: String) -> FilterArgument { FilterArgument(key: nil, value: v) }
func kv(_ k: String, _ v: String) -> FilterArgument { FilterArgument(key: k, value: v) }
