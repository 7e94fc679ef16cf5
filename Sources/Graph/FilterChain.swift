/// A linear chain of running filters: what `-vf` builds and the runner pushes items through.
///
/// Items flow depth-first: whatever node i emits is received by node i+1 at once, and the last
/// node's output goes to the caller's `emit`. An empty chain passes items through, like `null`.
public final class FilterChain {
    /// One instance in the chain.
    public struct Stage {
        /// "name@id", "Parsed_name_N" or "auto_name_N" (as libavfilter names its contexts).
        public let label: String
        /// The filter type it was made from.
        public let descriptor: FilterDescriptor
        /// The running instance.
        public let node: any FilterNode
    }

    /// Most filters in one chain: far above any real graph, far below what the stack holds.
    public static let maxStages = 1000

    /// The instances, in stream order.
    public let stages: [Stage]
    /// What the chain was built for.
    public let input: StreamInfo

    /// What the chain emits: the last node's output, or the input for an empty chain.
    public var output: StreamInfo { stages.last?.node.output ?? input }

    /// Instantiates every filter in order, each configured with its predecessor's output.
    ///
    /// Where a filter takes another stream kind than it would get (and does not accept both), the
    /// registry's `conversion` hook may supply a filter to insert; otherwise this throws a usage error naming both ends.
    public init(registry: FilterRegistry, filters: [ParsedFilter], input: StreamInfo,
                logLevel: LogLevel = .info, outputSeconds: Double? = nil) throws {
        // Items travel depth-first, one call frame per stage, so that a stage's output streams
        // without buffering (a render's hundreds of frames); the depth is bounded instead.
        guard filters.count <= Self.maxStages else {
            throw GIDError.usage("the graph has \(filters.count) filters; at most \(Self.maxStages) are allowed in one chain")
        }
        self.input = input
        var stages: [Stage] = []
        var current = input
        func instantiate(_ p: ParsedFilter, _ d: FilterDescriptor, label: String) throws {
            let context = FilterContext(label: label, logLevel: logLevel, outputSeconds: outputSeconds)
            let node: any FilterNode
            do {
                node = try d.make(p.args, current, context)
            } catch let e as GIDError {
                // Option errors already carry the label; the filter's own init may not.
                throw e.message.hasPrefix(label + ":") ? e : GIDError(e.kind, "\(label): \(e.message)")
            } catch {
                throw GIDError.internal("\(label): \(error)")
            }
            stages.append(Stage(label: label, descriptor: d, node: node))
            current = node.output
        }
        for (index, p) in filters.enumerated() {
            let d = try registry.lookup(p.name)
            let label = p.id.map { "\(p.name)@\($0)" } ?? "Parsed_\(p.name)_\(index)"
            if !d.accepts(current.kind) {
                let from = stages.last?.label ?? "the input" + (input.source.isEmpty ? "" : " (\(input.source))")
                let mismatch = "\(label) takes \(d.inputKind) but \(from) gives \(current.kind)"
                guard let c = registry.conversion?(current.kind, d.inputKind) else {
                    throw GIDError.usage("\(mismatch); no automatic conversion is available yet")
                }
                let cd = try registry.lookup(c.name)
                guard cd.inputKind == current.kind, cd.outputKind == d.inputKind else {
                    throw GIDError.internal("\(mismatch); conversion filter '\(c.name)' is \(cd.inputKind)->\(cd.outputKind)")
                }
                try instantiate(c, cd, label: "auto_\(c.name)_\(stages.count)")
            }
            try instantiate(p, d, label: label)
        }
        self.stages = stages
    }

    /// Parses `graph` and builds the chain; an empty string gives a pass-through chain.
    public convenience init(registry: FilterRegistry, graph: String, input: StreamInfo,
                            logLevel: LogLevel = .info) throws {
        try self.init(registry: registry, filters: try GraphParser.parse(graph), input: input, logLevel: logLevel)
    }

    /// The instance labels in order (for messages and tests).
    public var labels: [String] { stages.map(\.label) }

    /// Sends one item through every node; whatever reaches the end goes to `emit`.
    public func push(_ item: StreamItem, emit: Emit) throws {
        try send(item, to: 0, emit: emit)
    }

    /// Flushes at end of stream: each node finishes in order, and what node i flushes travels
    /// through nodes i+1... before those finish themselves.
    public func finish(emit: Emit) throws {
        for i in stages.indices {
            try stages[i].node.finish { try send($0, to: i + 1, emit: emit) }
        }
    }

    private func send(_ item: StreamItem, to index: Int, emit: Emit) throws {
        guard index < stages.count else { return try emit(item) }
        try stages[index].node.receive(item) { try send($0, to: index + 1, emit: emit) }
    }
}
