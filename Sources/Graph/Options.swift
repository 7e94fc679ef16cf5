/// One `key=value` or positional value from a graph string, before typing.
public struct FilterArgument: Sendable, Equatable {
    /// nil for a positional value.
    public var key: String?
    public var value: String

    public init(key: String?, value: String) {
        self.key = key
        self.value = value
    }
}

/// What `gid-filter filters` and per-filter help print for one option.
public struct OptionHelp: Sendable, Equatable {
    public var name: String
    public var type: String
    public var defaultValue: String
    /// "0..100", "a|b|c", or "" when unconstrained.
    public var range: String
    public var help: String
}

/// One row of a filter's option table: how to parse a string into a typed field.
public struct OptionSpec<O>: Sendable {
    public let help: OptionHelp
    let apply: @Sendable (inout O, String) throws(OptionParseError) -> Void

    init(help: OptionHelp, apply: @escaping @Sendable (inout O, String) throws(OptionParseError) -> Void) {
        self.help = help
        self.apply = apply
    }
}

/// Why one value failed to parse (turned into a GIDError naming filter and option).
public struct OptionParseError: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A filter's options: a struct with defaults from `init()` and a static table of rows.
public protocol FilterOptions: Sendable {
    init()
    /// Declaration order is positional order, as in libavfilter.
    static var table: [OptionSpec<Self>] { get }
}

extension FilterOptions {
    /// Applies positional and named values over the defaults, checking names, types and ranges.
    public static func parse(_ args: [FilterArgument], filter: String) throws -> Self {
        var options = Self()
        let rows = table
        var seen = Set<String>()
        var position = 0
        for arg in args {
            let row: OptionSpec<Self>
            if let key = arg.key {
                guard let r = rows.first(where: { $0.help.name == key }) else {
                    let known = rows.map(\.help.name).joined(separator: ", ")
                    throw GIDError.usage("\(filter): unknown option '\(key)'" + (known.isEmpty ? " (this filter takes none)" : " (options: \(known))"))
                }
                row = r
            } else {
                guard position < rows.count else {
                    throw GIDError.usage("\(filter): too many positional values (at '\(arg.value)'; the filter takes \(rows.count))")
                }
                row = rows[position]
                position += 1
            }
            guard seen.insert(row.help.name).inserted else {
                throw GIDError.usage("\(filter): option '\(row.help.name)' given twice")
            }
            do {
                try row.apply(&options, arg.value)
            } catch {
                throw GIDError.usage("\(filter): \(row.help.name)=\(arg.value): \(error.reason)")
            }
        }
        return options
    }
}

// MARK: - Row constructors

extension OptionSpec {
    /// A floating-point option with an inclusive range.
    public static func double(_ name: String, _ key: WritableKeyPath<O, Double> & Sendable, default def: Double,
                              range: ClosedRange<Double>, help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "float", defaultValue: format(def),
                                    range: "\(format(range.lowerBound))..\(format(range.upperBound))", help: help)) { o, s throws(OptionParseError) in
            guard let v = Double(s), v.isFinite else { throw OptionParseError("not a number") }
            guard range.contains(v) else { throw OptionParseError("out of range \(format(range.lowerBound))..\(format(range.upperBound))") }
            o[keyPath: key] = v
        }
    }

    /// An integer option with an inclusive range.
    public static func int(_ name: String, _ key: WritableKeyPath<O, Int> & Sendable, default def: Int,
                           range: ClosedRange<Int>, help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "int", defaultValue: String(def),
                                    range: "\(range.lowerBound)..\(range.upperBound)", help: help)) { o, s throws(OptionParseError) in
            guard let v = Int(s) else { throw OptionParseError("not an integer") }
            guard range.contains(v) else { throw OptionParseError("out of range \(range.lowerBound)..\(range.upperBound)") }
            o[keyPath: key] = v
        }
    }

    /// A boolean option: 1/0, true/false, yes/no, on/off.
    public static func bool(_ name: String, _ key: WritableKeyPath<O, Bool> & Sendable, default def: Bool,
                            help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "bool", defaultValue: def ? "1" : "0", range: "0|1", help: help)) { o, s throws(OptionParseError) in
            switch s.lowercased() {
            case "1", "true", "yes", "on": o[keyPath: key] = true
            case "0", "false", "no", "off": o[keyPath: key] = false
            default: throw OptionParseError("not a boolean (use 1 or 0)")
            }
        }
    }

    /// A free string (a path, a libavfilter chain).
    public static func string(_ name: String, _ key: WritableKeyPath<O, String> & Sendable, default def: String,
                              help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "string", defaultValue: def, range: "", help: help)) { o, s throws(OptionParseError) in
            o[keyPath: key] = s
        }
    }

    /// One of a fixed set of words.
    public static func choice(_ name: String, _ key: WritableKeyPath<O, String> & Sendable, default def: String,
                              choices: [String], help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "choice", defaultValue: def, range: choices.joined(separator: "|"), help: help)) { o, s throws(OptionParseError) in
            guard choices.contains(s) else { throw OptionParseError("must be one of \(choices.joined(separator: ", "))") }
            o[keyPath: key] = s
        }
    }

    /// A closed interval "LO-HI" of floats within `range` (a frequency band in Hz, say).
    public static func interval(_ name: String, _ key: WritableKeyPath<O, ClosedRange<Double>?> & Sendable,
                                range: ClosedRange<Double>, help: String) -> OptionSpec {
        OptionSpec(help: OptionHelp(name: name, type: "range", defaultValue: "all",
                                    range: "LO-HI within \(format(range.lowerBound))..\(format(range.upperBound))", help: help)) { o, s throws(OptionParseError) in
            let parts = s.split(separator: "-", maxSplits: 1).map(String.init)
            guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]), lo.isFinite, hi.isFinite else {
                throw OptionParseError("not an interval LO-HI")
            }
            guard lo <= hi else { throw OptionParseError("low end above high end") }
            guard range.contains(lo), range.contains(hi) else {
                throw OptionParseError("out of range \(format(range.lowerBound))..\(format(range.upperBound))")
            }
            o[keyPath: key] = lo...hi
        }
    }
}

/// Shortest readable text for a Double ("2", "0.25").
func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return String(x)
}
