import Graph
import Testing

/// Builds `graph` on the test input and runs `items` through it, returning the numbers that come out.
private func run(_ graph: String, _ items: [Int64], registry: FilterRegistry = testRegistry) throws -> [Int64] {
    let chain = try FilterChain(registry: registry, graph: graph, input: testInput)
    var out: [Int64] = []
    for n in items { try chain.push(frame(n)) { out.append(number($0)) } }
    try chain.finish { out.append(number($0)) }
    return out
}

private func buildError(_ graph: String, registry: FilterRegistry = testRegistry) -> GIDError? {
    #expect(throws: GIDError.self) { try FilterChain(registry: registry, graph: graph, input: testInput) }
}

@Suite("Filter chain")
struct FilterChainTests {
    @Test func emptyGraphPassesThrough() throws {
        let chain = try FilterChain(registry: testRegistry, graph: "  ", input: testInput)
        #expect(chain.stages.isEmpty)
        #expect(chain.output.width == 4 && chain.output.kind == .frames)
        #expect(try run("", [1, 2, 3]) == [1, 2, 3])
        #expect(try run("null", [1, 2, 3]) == [1, 2, 3])
    }

    @Test func labelsFollowLibavfilter() throws {
        let chain = try FilterChain(registry: testRegistry, graph: "null,double@x,null", input: testInput)
        #expect(chain.labels == ["Parsed_null_0", "double@x", "Parsed_null_2"])
    }

    @Test func itemsFlowInOrder() throws {
        #expect(try run("double,double", [1, 2]) == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(try run("double,mark=9", [1, 2]) == [1, 1, 2, 2, 9])
    }

    @Test func holdEmitsOnlyAtFinish() throws {
        let chain = try FilterChain(registry: testRegistry, graph: "hold,double", input: testInput)
        var out: [Int64] = []
        try chain.push(frame(1)) { out.append(number($0)) }
        try chain.push(frame(2)) { out.append(number($0)) }
        #expect(out.isEmpty)
        try chain.finish { out.append(number($0)) }
        #expect(out == [1, 1, 2, 2])
    }

    /// What node i flushes passes through nodes i+1... before they finish themselves.
    @Test(arguments: [
        ("hold,mark=-1,double", [1, 1, 2, 2, -1, -1]),
        ("mark=-1,hold,double", [1, 1, 2, 2, -1, -1]),
        ("double,hold,mark=9", [1, 1, 2, 2, 9]),
        ("mark=7,mark=8", [1, 2, 7, 8]),
        ("hold,mark=7,hold,mark=8", [1, 2, 7, 8]),
    ] as [(String, [Int64])])
    func finishOrder(graph: String, expected: [Int64]) throws {
        #expect(try run(graph, [1, 2]) == expected)
    }

    @Test func kindsChangeAlongTheChain() throws {
        let chain = try FilterChain(registry: testRegistry, graph: "analyze,render,double", input: testInput)
        #expect(chain.stages[0].node.output.kind == .motion)
        #expect(chain.output.kind == .frames)
        #expect(try run("analyze,render", [3, 4]) == [3, 4])
    }

    @Test func filterThatTakesEitherKindGetsNoConversion() throws {
        // Frames in: `either` stays on frames; after `analyze` it works on motion.
        var chain = try FilterChain(registry: testRegistry, graph: "either,double", input: testInput)
        #expect(chain.stages[0].node.output.kind == .frames && chain.output.kind == .frames)
        #expect(try run("either,double", [1]) == [101, 101])
        chain = try FilterChain(registry: testRegistry, graph: "analyze,either,render", input: testInput)
        #expect(chain.labels == ["Parsed_analyze_0", "Parsed_either_1", "Parsed_render_2"])
        #expect(chain.stages[1].node.output.kind == .motion)
        #expect(try run("analyze,either,render", [2]) == [102])
        // `tomotion` takes frames and motion and gives motion either way.
        #expect(try run("tomotion,render", [5]) == [5])
        #expect(try run("analyze,tomotion,render", [6]) == [6])
        // The conversion hook is not consulted for a filter that takes either kind.
        let registry = FilterRegistry(testRegistry.all) { _, _ in ParsedFilter(name: "analyze") }
        chain = try FilterChain(registry: registry, graph: "either", input: testInput)
        #expect(chain.labels == ["Parsed_either_0"])
    }

    @Test func kindMismatchNamesBothFilters() {
        #expect(buildError("null,render")?.message
            == "Parsed_render_1 takes motion but Parsed_null_0 gives frames; no automatic conversion is available yet")
        #expect(buildError("render@r")?.message
            == "render@r takes motion but the input (in.mp4) gives frames; no automatic conversion is available yet")
        #expect(buildError("analyze,double")?.message
            == "Parsed_double_1 takes frames but Parsed_analyze_0 gives motion; no automatic conversion is available yet")
    }

    @Test func conversionHookInsertsFilter() throws {
        let registry = FilterRegistry(testRegistry.all) { from, to in
            from == .frames && to == .motion ? ParsedFilter(name: "analyze") : nil
        }
        let chain = try FilterChain(registry: registry, graph: "render,double", input: testInput)
        #expect(chain.labels == ["auto_analyze_0", "Parsed_render_0", "Parsed_double_1"])
        #expect(try run("render", [5], registry: registry) == [5])
        #expect(buildError("analyze,double", registry: registry)?.message.hasSuffix("no automatic conversion is available yet") == true)
    }

    @Test func unknownFilterSuggestsName() {
        #expect(buildError("null,dobule")?.message == "No such filter: 'dobule' (did you mean 'double'?)")
        #expect(buildError("nul")?.message == "No such filter: 'nul' (did you mean 'null'?)")
        #expect(buildError("zzzzzzzz")?.message == "No such filter: 'zzzzzzzz'")
    }

    @Test func optionsReachTheFilter() throws {
        let chain = try FilterChain(registry: testRegistry,
                                    graph: "opts=2.5:7:mode=cubic:fast=yes:band=0.5-3:path='/tmp/a b.png'",
                                    input: testInput)
        let o = try #require(chain.stages.first?.node as? OptsFilter).options
        #expect(o.gain == 2.5 && o.count == 7 && o.mode == "cubic" && o.fast && o.band == 0.5...3 && o.path == "/tmp/a b.png")
        let defaults = try #require(try FilterChain(registry: testRegistry, graph: "opts", input: testInput)
            .stages.first?.node as? OptsFilter).options
        #expect(defaults.gain == 4 && defaults.count == 3 && !defaults.fast && defaults.mode == "linear" && defaults.band == nil)
    }

    /// Option errors come from FilterOptions.parse, prefixed with the instance label.
    @Test(arguments: [
        ("opts=foo=1", "Parsed_opts_0: unknown option 'foo' (options: gain, count, fast, path, mode, band)"),
        ("null,opts@o=gain=101", "opts@o: gain=101: out of range 0..100"),
        ("opts=count=0", "Parsed_opts_0: count=0: out of range 1..10"),
        ("opts=count=2.5", "Parsed_opts_0: count=2.5: not an integer"),
        ("opts=gain=x", "Parsed_opts_0: gain=x: not a number"),
        ("opts=fast=maybe", "Parsed_opts_0: fast=maybe: not a boolean (use 1 or 0)"),
        ("opts=mode=cubic:mode=linear", "Parsed_opts_0: option 'mode' given twice"),
        ("opts=1:gain=2", "Parsed_opts_0: option 'gain' given twice"),
        ("opts=mode=square", "Parsed_opts_0: mode=square: must be one of linear, cubic"),
        ("opts=band=3-1", "Parsed_opts_0: band=3-1: low end above high end"),
        ("opts=band=1-2000", "Parsed_opts_0: band=1-2000: out of range 0..1000"),
        ("opts=1:2:0:p:linear:1-2:9", "Parsed_opts_0: too many positional values (at '9'; the filter takes 6)"),
        ("null=1", "Parsed_null_0: too many positional values (at '1'; the filter takes 0)"),
        ("double=x=1", "Parsed_double_0: unknown option 'x' (this filter takes none)"),
    ])
    func optionErrors(graph: String, message: String) {
        let error = buildError(graph)
        #expect(error?.kind == .usage)
        #expect(error?.message == message)
    }

    @Test func initErrorsGetTheLabel() {
        let error = buildError("null,fail@f")
        #expect(error?.kind == .usage)
        #expect(error?.message == "fail@f: cannot work on 4x2")
    }
}
