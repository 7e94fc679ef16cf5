import Graph

/// `null`: passes every item through untouched (as libavfilter's null).
public final class NullFilter: Filter {
    public struct Options: FilterOptions {
        public init() {}
        public static let table: [OptionSpec<Options>] = []
    }

    public static let name = "null"
    public static let summary = "Pass the input through unchanged."
    public static let inputKind = StreamKind.frames
    public static let outputKind = StreamKind.frames

    public let output: StreamInfo
    public var preservesTiming: Bool { true }

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        output = input
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        try emit(item)
    }
}
