/// Where a filter sends what it produces. Calling it may block on downstream work.
public typealias Emit = (StreamItem) throws -> Void

/// A running filter instance, as the graph runner sees it (no associated types).
///
/// Lifecycle, as libavfilter's: options parsed and range-checked -> `init` (input known; allocate
/// here) -> `receive` for each item -> `finish` once at end of stream (flush what is buffered).
public protocol FilterNode: AnyObject {
    /// What this filter will emit; known right after init.
    var output: StreamInfo { get }
    func receive(_ item: StreamItem, emit: Emit) throws
    func finish(emit: Emit) throws
    /// True when output frames keep the input's timestamps one for one, so audio can be copied.
    var preservesTiming: Bool { get }
}

extension FilterNode {
    public func finish(emit: Emit) throws {}
    public var preservesTiming: Bool { false }
}

/// A user-visible filter: a name, a one-line summary, an option table and a process step.
public protocol Filter: FilterNode, SendableMetatype {
    associatedtype Options: FilterOptions
    /// The `-vf` name, lowercase ("magnify").
    static var name: String { get }
    /// One line, for `gid-filter filters`.
    static var summary: String { get }
    /// Which stream kind it takes and gives.
    static var inputKind: StreamKind { get }
    static var outputKind: StreamKind { get }
    /// Longer help text (examples); optional.
    static var details: String { get }

    init(options: Options, input: StreamInfo, context: FilterContext) throws
}

extension Filter {
    public static var details: String { "" }
}

/// What a filter instance knows about its place in the graph, for messages.
public struct FilterContext: Sendable {
    /// "magnify@1" style instance label, used to prefix error messages.
    public var label: String
    /// Verbosity requested by the user (ffmpeg's -loglevel scale).
    public var logLevel: LogLevel

    public init(label: String, logLevel: LogLevel = .info) {
        self.label = label
        self.logLevel = logLevel
    }
}

/// Type-erased description of a filter type, kept in the registry.
public struct FilterDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let details: String
    public let inputKind: StreamKind
    public let outputKind: StreamKind
    /// Option help rows in declaration order (= positional order).
    public let options: [OptionHelp]
    /// Parses the option list and constructs the instance.
    public let make: @Sendable (_ args: [FilterArgument], _ input: StreamInfo, _ context: FilterContext) throws -> any FilterNode

    public init<F: Filter>(_ type: F.Type) {
        name = F.name
        summary = F.summary
        details = F.details
        inputKind = F.inputKind
        outputKind = F.outputKind
        options = F.Options.table.map(\.help)
        make = { args, input, context in
            let options = try F.Options.parse(args, filter: context.label)
            return try F(options: options, input: input, context: context)
        }
    }
}
