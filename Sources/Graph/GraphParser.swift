/// One filter instance from a graph string: `name@id=args`.
public struct ParsedFilter: Sendable, Equatable {
    /// The registered filter name ("magnify").
    public var name: String
    /// The instance name after `@`, or nil.
    public var id: String?
    /// Option values in the order written; positional ones come first.
    public var args: [FilterArgument]

    /// Creates a parsed filter (tests and generated chains build these directly).
    public init(name: String, id: String? = nil, args: [FilterArgument] = []) {
        self.name = name
        self.id = id
        self.args = args
    }
}

/// Parses libavfilter graph strings with graphparser.c's grammar, limited to one linear chain.
///
/// Two levels, as in ffmpeg: the graph level splits filters at `,` (and would split chains at `;`
/// and pads at `[label]`) and removes one level of `'...'` quoting and `\` escaping; the option
/// level then splits `k=v:k=v` and removes a second level. One deliberate extension: a `:` or `=`
/// that was quoted or escaped at the graph level is literal at the option level too, so
/// `lavfi='scale=512:-2,fps=25'` is one positional value and `drawtext=text=a\:b` gives `a:b`
/// (ffmpeg would split both again), and blanks quoted at the graph level are kept. Strings written
/// for ffmpeg's two levels of escaping (`text=a\\:b`, `text='a\:b'`) parse as in ffmpeg.
public enum GraphParser {
    /// Parses a whole graph string; an empty or blank string gives an empty chain.
    public static func parse(_ graph: String) throws -> [ParsedFilter] {
        var s = Scanner(graph)
        var filters: [ParsedFilter] = []
        s.skipSpace()
        guard !s.atEnd else { return [] }
        while true {
            try s.rejectLabels()
            filters.append(try s.filter())
            try s.rejectLabels()
            s.skipSpace()
            guard let c = s.peek else { return filters }
            switch c {
            case ",": s.pos += 1
            case ";": throw s.fail("Multiple filter chains (';') are not supported yet; use one chain joined by ','", at: s.pos)
            default: throw s.fail("Trailing garbage after filter '\(filters[filters.count - 1].name)'", at: s.pos)
            }
        }
    }

    /// Parses one option string (`2:band=0.2-1.0`) at the option level only.
    public static func parseOptions(_ text: String) throws -> [FilterArgument] {
        let s = Scanner(text)
        return try s.options(s.text.indices.map { Unit(ch: s.text[$0], protected: false, at: $0) })
    }
}

/// A character after graph-level unquoting: `protected` when it was quoted or escaped, and where
/// it came from in the source (for "around:" messages).
private struct Unit {
    var ch: Character
    var protected: Bool
    var at: Int
}

private func isSpace(_ c: Character) -> Bool {
    c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\r\n"
}

/// av_opt's is_key_char: what may form an option name before `=`.
private func isKeyChar(_ c: Character) -> Bool {
    guard c.isASCII, let a = c.asciiValue else { return false }
    return (a | 32) >= 97 && (a | 32) <= 122 || (48...57).contains(a) || c == "-" || c == "_" || c == "/" || c == "."
}

private struct Scanner {
    let text: [Character]
    var pos = 0

    init(_ string: String) { text = Array(string) }

    var atEnd: Bool { pos >= text.count }
    var peek: Character? { atEnd ? nil : text[pos] }

    func fail(_ what: String, at: Int) -> GIDError {
        .usage("\(what) around: \(String(text[min(at, text.count)...]))")
    }

    mutating func skipSpace() {
        while let c = peek, isSpace(c) { pos += 1 }
    }

    /// libavutil's av_get_token: reads up to an unquoted, unescaped character of `stop`, removing
    /// one level of quoting; trailing blanks are dropped unless quoted or escaped. Unlike
    /// av_get_token an unterminated quote is an error, not a silent end of string.
    mutating func token(until stop: Set<Character>) throws -> [Unit] {
        skipSpace()
        var out: [Unit] = []
        var keep = 0
        while let c = peek, !stop.contains(c) {
            let at = pos
            pos += 1
            if c == "\\", let next = peek {
                out.append(Unit(ch: next, protected: true, at: pos))
                pos += 1
                keep = out.count
            } else if c == "'" {
                guard let close = text[pos...].firstIndex(of: "'") else { throw fail("Unterminated quote", at: at) }
                out += (pos..<close).map { Unit(ch: text[$0], protected: true, at: $0) }
                pos = close + 1
                keep = out.count
            } else {
                out.append(Unit(ch: c, protected: false, at: at))
            }
        }
        while out.count > keep, let last = out.last, isSpace(last.ch) { out.removeLast() }
        return out
    }

    /// graphparser.c's parse_link_name, kept so that the "not supported" message names the label.
    mutating func rejectLabels() throws {
        skipSpace()
        guard peek == "[" else { return }
        let start = pos
        pos += 1
        let name = String(try token(until: ["]"]).map(\.ch))
        guard !name.isEmpty else { throw fail("Bad (empty?) label", at: start) }
        guard peek == "]" else { throw fail("Mismatched '['", at: start) }
        throw fail("Filter pad labels ('[\(name)]') are not supported yet; use one linear chain", at: start)
    }

    /// graphparser.c's filter_parse: `name[@id][=options]`.
    mutating func filter() throws -> ParsedFilter {
        skipSpace()
        let start = pos
        let full = String(try token(until: ["=", ",", ";", "["]).map(\.ch))
        var name = full
        var id: String?
        if let at = full.firstIndex(of: "@") {
            name = String(full[..<at])
            id = String(full[full.index(after: at)...])
        }
        guard !name.isEmpty else { throw fail("Empty filter name", at: start) }
        guard id != "" else { throw fail("Empty instance name after '\(name)@'", at: start) }
        var args: [FilterArgument] = []
        if peek == "=" {
            pos += 1
            args = try options(try token(until: ["[", "]", ",", ";"]))
        }
        return ParsedFilter(name: name, id: id, args: args)
    }

    /// The option level (avfilter.c's process_options with av_opt_get_key_value): values split at
    /// `:`, a key is a plain identifier before the first `=`, positional values must come first.
    func options(_ units: [Unit]) throws -> [FilterArgument] {
        var args: [FilterArgument] = []
        var i = 0
        // Blanks quoted or escaped at the graph level are the user's, never trimmed.
        func skipSpace() { while i < units.count, !units[i].protected, isSpace(units[i].ch) { i += 1 } }
        while i < units.count {
            skipSpace()
            let argStart = i < units.count ? units[i].at : text.count
            var k = i
            while k < units.count, isKeyChar(units[k].ch) { k += 1 }
            let keyEnd = k
            while k < units.count, !units[k].protected, isSpace(units[k].ch) { k += 1 }
            var key: String?
            if k < units.count, units[k].ch == "=", !units[k].protected {
                guard keyEnd > i else { throw fail("Missing option name before '='", at: units[k].at) }
                key = String(units[i..<keyEnd].map(\.ch))
                i = k + 1
                skipSpace()
            } else if args.last?.key != nil {
                throw fail("No option name for a value after named options (positional values come first)", at: argStart)
            }
            var value = ""
            var keep = 0
            while i < units.count, !(units[i].ch == ":" && !units[i].protected) {
                let u = units[i]
                i += 1
                if u.ch == "\\", i < units.count {
                    value.append(units[i].ch)
                    i += 1
                    keep = value.count
                } else if u.ch == "'" {
                    guard let close = units[i...].firstIndex(where: { $0.ch == "'" }) else {
                        throw fail("Unterminated quote", at: u.at)
                    }
                    value += String(units[i..<close].map(\.ch))
                    i = close + 1
                    keep = value.count
                } else {
                    value.append(u.ch)
                    if u.protected { keep = value.count }
                }
            }
            while value.count > keep, let last = value.last, isSpace(last) { value.removeLast() }
            args.append(FilterArgument(key: key, value: value))
            i += 1
        }
        return args
    }
}
