/// The filters a program knows, by name (libavfilter's allfilters.c list, made a value).
public struct FilterRegistry: Sendable {
    /// Picks a filter to insert between two stream kinds, or nil when there is none.
    public typealias Conversion = @Sendable (_ from: StreamKind, _ to: StreamKind) -> ParsedFilter?

    /// Every descriptor, sorted by name.
    public let all: [FilterDescriptor]
    /// Hook for automatic kind conversion in FilterChain (as libavfilter inserts `auto_scale_N`).
    public let conversion: Conversion?

    /// Builds a registry; names must be unique.
    public init(_ descriptors: [FilterDescriptor], conversion: Conversion? = nil) {
        all = descriptors.sorted { $0.name < $1.name }
        for (a, b) in zip(all, all.dropFirst()) {
            precondition(a.name != b.name, "FilterRegistry: filter '\(a.name)' registered twice")
        }
        self.conversion = conversion
    }

    /// The descriptor for `name`, or a usage error with the nearest known name.
    public func lookup(_ name: String) throws -> FilterDescriptor {
        if let d = all.first(where: { $0.name == name }) { return d }
        var message = "No such filter: '\(name)'"
        let scored = all.map { (name: $0.name, distance: editDistance(name, $0.name)) }
        if let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= max(2, name.count / 3) {
            message += " (did you mean '\(best.name)'?)"
        }
        throw GIDError.usage(message)
    }

    /// The list printed by `gid-filter filters`: name, kinds, summary, one line each (no final newline).
    public var helpText: String {
        let rows = all.map { [$0.name, "\($0.inputText)->\($0.outputText)", $0.summary] }
        return table(rows, indent: " ")
    }

    /// Per-filter help, as `ffmpeg -h filter=NAME` prints it (no final newline).
    public func help(for name: String) throws -> String {
        help(for: try lookup(name))
    }

    /// Help for one descriptor: summary, kinds, details, then the option table.
    public func help(for d: FilterDescriptor) -> String {
        var out = "Filter \(d.name)\n  \(d.summary)\n    Input:  \(d.inputText)\n    Output: \(d.outputText == "same" ? "same kind as the input" : d.outputText)\n"
        if !d.details.isEmpty {
            out += "\n" + d.details + (d.details.hasSuffix("\n") ? "" : "\n")
        }
        guard !d.options.isEmpty else { return out + "\nThis filter has no options." }
        out += "\n\(d.name) options (positional values fill them in this order):\n"
        let header = ["NAME", "TYPE", "DEFAULT", "RANGE", "DESCRIPTION"]
        let rows = d.options.map { o in
            [o.name, "<\(o.type)>", o.defaultValue.isEmpty ? "\"\"" : o.defaultValue, o.range.isEmpty ? "-" : o.range, o.help]
        }
        return out + table([header] + rows, indent: "  ")
    }
}

/// Left-aligned columns two spaces apart, no trailing newline (callers print it).
private func table(_ rows: [[String]], indent: String) -> String {
    guard let columns = rows.first?.count else { return "" }
    let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        let cells = row.enumerated().map { c, cell in
            c == columns - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
        }
        var line = indent + cells.joined(separator: "  ")
        while line.last == " " { line.removeLast() }
        return line
    }.joined(separator: "\n")
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let b = Array(b)
    var row = Array(0...b.count)
    for (i, ca) in a.enumerated() {
        var diagonal = row[0]
        row[0] = i + 1
        for (j, cb) in b.enumerated() {
            let above = row[j + 1]
            row[j + 1] = min(above + 1, row[j] + 1, diagonal + (ca == cb ? 0 : 1))
            diagonal = above
        }
    }
    return row[b.count]
}
