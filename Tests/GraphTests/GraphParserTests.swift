import Graph
import Testing

struct ParseCase: Sendable, CustomTestStringConvertible {
    var graph: String
    var filters: [ParsedFilter]
    var testDescription: String { graph }
}

/// Expected failures: the whole message, which ends in "around: <rest of the graph>".
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var graph: String
    var message: String
    var testDescription: String { graph }
}

private func one(_ name: String, id: String? = nil, _ args: FilterArgument...) -> [ParsedFilter] {
    [ParsedFilter(name: name, id: id, args: args)]
}

@Suite("Graph string parser")
struct GraphParserTests {
    @Test(arguments: [
        ParseCase(graph: "", filters: []),
        ParseCase(graph: " \n\t ", filters: []),
        ParseCase(graph: "null", filters: one("null")),
        ParseCase(graph: "'null'", filters: one("null")),
        ParseCase(graph: "a=", filters: one("a")),
        ParseCase(graph: "magnify=2:band=0.2-1.0", filters: one("magnify", pos("2"), kv("band", "0.2-1.0"))),
        ParseCase(graph: "opts=1:2:fast=1:mode=cubic", filters: one("opts", pos("1"), pos("2"), kv("fast", "1"), kv("mode", "cubic"))),
        // A value quoted at the graph level keeps its '=', ':' and ',' and stays positional.
        ParseCase(graph: "lavfi='scale=512:-2,fps=25'", filters: one("lavfi", pos("scale=512:-2,fps=25"))),
        ParseCase(graph: "lavfi=graph='scale=512:-2'", filters: one("lavfi", kv("graph", "scale=512:-2"))),
        ParseCase(graph: #"drawtext=text=a\:b"#, filters: one("drawtext", kv("text", "a:b"))),
        // ffmpeg's own two-level escaping, from its filters documentation.
        ParseCase(graph: #"drawtext=text='a\:b'"#, filters: one("drawtext", kv("text", "a:b"))),
        ParseCase(graph: #"drawtext=text=a\\:b"#, filters: one("drawtext", kv("text", "a:b"))),
        ParseCase(graph: #"drawtext=text=this is a \\\'string\\\'\\: may contain one\, or more\, special characters"#,
                  filters: one("drawtext", kv("text", "this is a 'string': may contain one, or more, special characters"))),
        ParseCase(graph: #"drawtext=text=\'a:b\'"#, filters: one("drawtext", kv("text", "a:b"))),
        ParseCase(graph: #"select='eq(pict_type\,I)'"#, filters: one("select", pos("eq(pict_type,I)"))),
        ParseCase(graph: #"select=eq(pict_type\,I)"#, filters: one("select", pos("eq(pict_type,I)"))),
        ParseCase(graph: "scale='min(1280,iw)':-2", filters: one("scale", pos("min(1280,iw)"), pos("-2"))),
        ParseCase(graph: "a='x':'y'", filters: one("a", pos("x"), pos("y"))),
        ParseCase(graph: "a=path='/tmp/x y.png'", filters: one("a", kv("path", "/tmp/x y.png"))),
        ParseCase(graph: "a=k=v=w", filters: one("a", kv("k", "v=w"))),
        ParseCase(graph: #"a=x\"#, filters: one("a", pos(#"x\"#))),
        ParseCase(graph: "a=k.e/y-_1=2", filters: one("a", kv("k.e/y-_1", "2"))),
        ParseCase(graph: "a=1:", filters: one("a", pos("1"))),
        ParseCase(graph: "a=1::2", filters: one("a", pos("1"), pos(""), pos("2"))),
        // Blanks are trimmed around tokens unless quoted or escaped.
        ParseCase(graph: "  null , double  ", filters: [ParsedFilter(name: "null"), ParsedFilter(name: "double")]),
        ParseCase(graph: "scale = 512 : 2 ", filters: one("scale", pos("512"), pos("2"))),
        ParseCase(graph: "a=text=' hi '", filters: one("a", kv("text", " hi "))),
        ParseCase(graph: #"a=text=\ hi\ "#, filters: one("a", kv("text", " hi "))),
        ParseCase(graph: "magnify@1=2", filters: one("magnify", id: "1", pos("2"))),
        ParseCase(graph: "null@a,null@b,double", filters: [
            ParsedFilter(name: "null", id: "a"), ParsedFilter(name: "null", id: "b"), ParsedFilter(name: "double"),
        ]),
        ParseCase(graph: "mark=5,opts=gain=2:band=1-2,null", filters: [
            ParsedFilter(name: "mark", args: [pos("5")]),
            ParsedFilter(name: "opts", args: [kv("gain", "2"), kv("band", "1-2")]),
            ParsedFilter(name: "null"),
        ]),
    ])
    func parses(_ c: ParseCase) throws {
        #expect(try GraphParser.parse(c.graph) == c.filters)
    }

    @Test(arguments: [
        ErrorCase(graph: "a='abc", message: "Unterminated quote around: 'abc"),
        ErrorCase(graph: "a=x:'abc,null", message: "Unterminated quote around: 'abc,null"),
        ErrorCase(graph: #"a=text=\'abc"#, message: "Unterminated quote around: 'abc"),
        ErrorCase(graph: ",null", message: "Empty filter name around: ,null"),
        ErrorCase(graph: "null,,double", message: "Empty filter name around: ,double"),
        ErrorCase(graph: "null,", message: "Empty filter name around: "),
        ErrorCase(graph: "=x", message: "Empty filter name around: =x"),
        ErrorCase(graph: "@x", message: "Empty filter name around: @x"),
        ErrorCase(graph: "null@", message: "Empty instance name after 'null@' around: null@"),
        ErrorCase(graph: "a=1]x", message: "Trailing garbage after filter 'a' around: ]x"),
        ErrorCase(graph: "a==5", message: "Missing option name before '=' around: =5"),
        ErrorCase(graph: "a=1:=5", message: "Missing option name before '=' around: =5"),
        ErrorCase(graph: "a=k=1:2,null",
                  message: "No option name for a value after named options (positional values come first) around: 2,null"),
        // Unquoted, the inner graph's ':' ends the value, as in ffmpeg.
        ErrorCase(graph: "lavfi=graph=scale=512:-2",
                  message: "No option name for a value after named options (positional values come first) around: -2"),
        ErrorCase(graph: "[in]null", message: "Filter pad labels ('[in]') are not supported yet; use one linear chain around: [in]null"),
        ErrorCase(graph: "null [out]", message: "Filter pad labels ('[out]') are not supported yet; use one linear chain around: [out]"),
        ErrorCase(graph: "null;double", message: "Multiple filter chains (';') are not supported yet; use one chain joined by ',' around: ;double"),
        ErrorCase(graph: "[]null", message: "Bad (empty?) label around: []null"),
        ErrorCase(graph: "[in null", message: "Mismatched '[' around: [in null"),
    ])
    func rejects(_ c: ErrorCase) {
        let error = #expect(throws: GIDError.self) { try GraphParser.parse(c.graph) }
        #expect(error?.kind == .usage)
        #expect(error?.message == c.message)
    }

    @Test func optionLevelAlone() throws {
        #expect(try GraphParser.parseOptions("2:band=0.2-1.0") == [pos("2"), kv("band", "0.2-1.0")])
        #expect(try GraphParser.parseOptions(#"text=a\:b:x='1:2'"#) == [kv("text", "a:b"), kv("x", "1:2")])
        #expect(try GraphParser.parseOptions("") == [])
    }
}
