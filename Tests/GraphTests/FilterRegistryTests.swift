@testable import Graph
import NullFilter
import Testing

@Suite("Filter registry and help")
struct FilterRegistryTests {
    @Test func sortedAndFound() throws {
        #expect(testRegistry.all.map(\.name) == ["analyze", "double", "either", "fail", "hold", "mark", "null", "opts", "render", "tomotion"])
        #expect(try testRegistry.lookup("null").summary == NullFilter.summary)
        let error = #expect(throws: GIDError.self) { try testRegistry.lookup("hod") }
        #expect(error?.message == "No such filter: 'hod' (did you mean 'hold'?)")
    }

    @Test func filterList() {
        let lines = testRegistry.helpText.split(separator: "\n").map(String.init)
        #expect(lines.count == testRegistry.all.count)
        #expect(lines.contains(" analyze   frames->motion         Turn frames into motion."))
        #expect(lines.contains(" null      frames->frames         Pass the input through unchanged."))
        #expect(lines.contains(" either    frames|motion->same    Take frames or motion, give the same kind."))
        #expect(lines.contains(" tomotion  frames|motion->motion  Take frames or motion, give motion."))
    }

    @Test func perFilterHelpListsEveryOption() throws {
        let help = try testRegistry.help(for: "opts")
        #expect(help == """
            Filter opts
              Take one option of every type.
                Input:  frames
                Output: frames

            Example: opts=2:band=0.5-3

            opts options (positional values fill them in this order):
              NAME   TYPE      DEFAULT  RANGE                 DESCRIPTION
              gain   <float>   4        0..100                amplification factor
              count  <int>     3        1..10                 how many
              fast   <bool>    0        0|1                   trade quality for speed
              path   <string>  ""       -                     a file
              mode   <choice>  linear   linear|cubic          interpolation
              band   <range>   all      LO-HI within 0..1000  frequency band in Hz
            """)
    }

    @Test func helpNamesBothKindsForFiltersThatTakeEither() throws {
        #expect(try testRegistry.help(for: "either").hasPrefix("""
            Filter either
              Take frames or motion, give the same kind.
                Input:  frames|motion
                Output: same kind as the input
            """))
        #expect(try testRegistry.help(for: "tomotion").contains("Input:  frames|motion\n    Output: motion\n"))
        let either = try testRegistry.lookup("either"), render = try testRegistry.lookup("render")
        #expect(either.accepts(.frames) && either.accepts(.motion) && !render.accepts(.frames))
        #expect(either.outputKind(for: .frames) == .frames && either.outputKind(for: .motion) == .motion)
        // A filter that takes one kind reports its output for the kind it is converted to.
        #expect(render.outputKind(for: .frames) == .frames && render.outputKind(for: .motion) == .frames)
    }

    @Test func helpForFilterWithoutOptions() throws {
        #expect(try testRegistry.help(for: "null").hasSuffix("Output: frames\n\nThis filter has no options."))
        #expect(throws: GIDError.self) { try testRegistry.help(for: "nope") }
    }

    @Test(arguments: [("", "", 0), ("null", "null", 0), ("nul", "null", 1), ("dobule", "double", 2),
                      ("abc", "", 3), ("", "abc", 3), ("kitten", "sitting", 3)] as [(String, String, Int)])
    func editDistances(a: String, b: String, d: Int) {
        #expect(editDistance(a, b) == d)
    }
}
