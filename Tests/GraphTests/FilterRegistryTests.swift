@testable import Graph
import NullFilter
import Testing

@Suite("Filter registry and help")
struct FilterRegistryTests {
    @Test func sortedAndFound() throws {
        #expect(testRegistry.all.map(\.name) == ["analyze", "double", "fail", "hold", "mark", "null", "opts", "render"])
        #expect(try testRegistry.lookup("null").summary == NullFilter.summary)
        let error = #expect(throws: GIDError.self) { try testRegistry.lookup("hod") }
        #expect(error?.message == "No such filter: 'hod' (did you mean 'hold'?)")
    }

    @Test func filterList() {
        let lines = testRegistry.helpText.split(separator: "\n").map(String.init)
        #expect(lines.count == testRegistry.all.count)
        #expect(lines.contains(" analyze  frames->motion  Turn frames into motion."))
        #expect(lines.contains(" null     frames->frames  Pass the input through unchanged."))
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
