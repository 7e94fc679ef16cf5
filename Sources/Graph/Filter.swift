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
    /// Which stream kind it takes and gives. A filter that `acceptsAnyKind` names here the kind
    /// an automatic conversion should produce for it (never needed, since it takes both).
    static var inputKind: StreamKind { get }
    static var outputKind: StreamKind { get }
    /// True when the filter takes both kinds (`slowmo`, `motion`): the chain then inserts no
    /// conversion in front of it, and `outputKind(for:)` says what it gives for each.
    static var acceptsAnyKind: Bool { get }
    /// The kind it emits for an input of `kind` (`outputKind` unless the filter says otherwise).
    static func outputKind(for kind: StreamKind) -> StreamKind
    /// Longer help text (examples); optional.
    static var details: String { get }

    init(options: Options, input: StreamInfo, context: FilterContext) throws
}

extension Filter {
    public static var details: String { "" }
    public static var acceptsAnyKind: Bool { false }
    public static func outputKind(for kind: StreamKind) -> StreamKind { outputKind }
}

/// What a filter instance knows about its place in the graph, for messages.
public struct FilterContext: Sendable {
    /// "magnify@1" style instance label, used to prefix error messages.
    public var label: String
    /// Verbosity requested by the user (ffmpeg's -loglevel scale).
    public var logLevel: LogLevel
    /// Seconds of output the user asked for (-t, plus any -ss after -i), for filters that make a
    /// clip of any length (`breeze`); nil when not given.
    public var outputSeconds: Double?

    public init(label: String, logLevel: LogLevel = .info, outputSeconds: Double? = nil) {
        self.label = label
        self.logLevel = logLevel
        self.outputSeconds = outputSeconds
    }
}

/// Type-erased description of a filter type, kept in the registry.
public struct FilterDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let details: String
    public let inputKind: StreamKind
    public let outputKind: StreamKind
    /// True when it takes frames and motion alike (see `Filter.acceptsAnyKind`).
    public let acceptsAnyKind: Bool
    /// What it emits for each input kind.
    public let outputKindFor: @Sendable (StreamKind) -> StreamKind
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
        acceptsAnyKind = F.acceptsAnyKind
        outputKindFor = { F.outputKind(for: $0) }
        options = F.Options.table.map(\.help)
        make = { args, input, context in
            let options = try F.Options.parse(args, filter: context.label)
            return try F(options: options, input: input, context: context)
        }
    }

    /// True when the filter takes `kind` as it comes (no conversion needed).
    public func accepts(_ kind: StreamKind) -> Bool { acceptsAnyKind || kind == inputKind }

    /// The kind it emits when given `kind`; a kind it does not take is converted to `inputKind` first.
    public func outputKind(for kind: StreamKind) -> StreamKind {
        outputKindFor(accepts(kind) ? kind : inputKind)
    }

    /// "frames", or "frames|motion" for a filter that takes both.
    public var inputText: String { acceptsAnyKind ? "frames|motion" : "\(inputKind)" }

    /// "motion", or "same" when the output kind follows the input's.
    public var outputText: String {
        guard acceptsAnyKind else { return "\(outputKind)" }
        let f = outputKindFor(.frames), m = outputKindFor(.motion)
        if f == m { return "\(f)" }
        return f == .frames && m == .motion ? "same" : "frames->\(f)|motion->\(m)"
    }
}
