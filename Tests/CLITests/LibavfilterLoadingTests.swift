import Foundation
import Testing

/// libavfilter is opened on first use, not at start (MediaIO/Libavfilter.swift): runs without a
/// libavfilter chain must not load it, and a broken libavfilter must give one clear line.
@Suite("libavfilter loaded on demand")
struct LibavfilterLoadingTests {
    /// Runs the still through `filter` into out.png in a fresh folder, with LD_LIBRARY_PATH led
    /// by a folder whose libavfilter.so.8 is not a library (the loader finds it before the real one).
    static func runWithBrokenLibavfilter(_ filter: String) throws -> (result: Tool.Result, dir: String) {
        let libs = try Tool.tempDir(), dir = try Tool.tempDir()
        try Tool.shell("echo 'not a library' > libavfilter.so.8", in: libs)
        let rest = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"].map { ":" + $0 } ?? ""
        let r = try Tool.gid(["-i", Tool.sample("stills/bythewater.jpg"), "-vf", filter, "out.png"], in: dir,
                             env: ["LD_LIBRARY_PATH": libs + rest])
        return (r, dir)
    }

    @Test("a run without a libavfilter chain never loads libavfilter")
    func notLoadedAtStart() throws {
        let (r, dir) = try Self.runWithBrokenLibavfilter("null")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Tool.files(dir) == ["out.png"])
    }

    @Test("lavfi with a broken libavfilter: exit 5, one line naming it, no output")
    func brokenLibrary() throws {
        let (r, dir) = try Self.runWithBrokenLibavfilter("lavfi=hflip")
        #expect(r.status == 5, "\(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("libavfilter"), "\(r.stderr)")
        #expect(Tool.files(dir).isEmpty)
    }

    @Test("lavfi works with the real libavfilter")
    func loadsWhenNeeded() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Tool.sample("stills/bythewater.jpg"), "-vf", "lavfi='scale=64:-2'", "out.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("out.png", in: dir, count: false)
        #expect(p["width"] == "64")
    }
}
