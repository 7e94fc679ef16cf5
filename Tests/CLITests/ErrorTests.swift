import Foundation
import Testing

/// Bad input: one clear line on stderr naming the file, the documented exit code, no output left.
@Suite("Errors")
struct ErrorTests {
    static let clip = Tool.sample("clips/dollhouse-fire.mkv")

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var setup: String      // shell run first in the test folder
        var args: [String]
        var status: Int32
        var mentions: String   // text the one stderr line must contain
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty file", setup: ": > empty.mp4", args: ["-i", "empty.mp4", "out.mp4"], status: 3, mentions: "empty.mp4: file is empty"),
        Case(name: "truncated MP4", setup: "head -c 20000 \(Tool.quote(Tool.sample("clips/bbb-with-audio.mp4"))) > cut.mp4",
             args: ["-i", "cut.mp4", "out.mp4"], status: 3, mentions: "cut.mp4: cannot open"),
        Case(name: "text file", setup: "echo 'hello world' > notes.mp4", args: ["-i", "notes.mp4", "out.mp4"], status: 3, mentions: "notes.mp4: cannot open"),
        Case(name: "unknown output extension", setup: "", args: ["-i", clip, "out.xyz"], status: 2, mentions: "out.xyz: cannot tell the output format"),
        Case(name: "missing file", setup: "", args: ["-i", "nope.mp4", "out.mp4"], status: 3, mentions: "nope.mp4: No such file"),
        Case(name: "directory as input", setup: "mkdir d", args: ["-i", "d", "out.mp4"], status: 3, mentions: "d: is a directory"),
        Case(name: "0x0 size", setup: "printf 'YUV4MPEG2 W0 H0 F25:1 C420jpeg\\nFRAME\\n' > zero.y4m", args: ["-i", "zero.y4m", "out.mp4"], status: 3, mentions: "zero.y4m"),
        Case(name: "huge declared size", setup: "printf 'YUV4MPEG2 W60000 H60000 F25:1 C420jpeg\\nFRAME\\nxxxx' > huge.y4m", args: ["-i", "huge.y4m", "out.mp4"], status: 3, mentions: "huge.y4m"),
        // Tests run as root in CI, where permission bits do not stop writes: a file in the way does.
        Case(name: "unwritable output", setup: "echo x > notadir", args: ["-i", clip, "notadir/out.mp4"], status: 4, mentions: "notadir/out.mp4: cannot create output"),
        Case(name: "output is the input", setup: "cp \(Tool.quote(clip)) same.mkv", args: ["-y", "-i", "same.mkv", "same.mkv"], status: 4, mentions: "same.mkv: output is the same file as the input"),
        Case(name: "existing output without -y", setup: "echo keep > out.mp4", args: ["-i", clip, "out.mp4"], status: 4, mentions: "out.mp4: already exists"),
        Case(name: "existing output with -n", setup: "echo keep > out.mp4", args: ["-n", "-i", clip, "out.mp4"], status: 4, mentions: "out.mp4: already exists"),
        Case(name: "bad graph string", setup: "", args: ["-i", clip, "-vf", "lavfi='scale=2", "out.mp4"], status: 2, mentions: "around:"),
        Case(name: "unknown filter", setup: "", args: ["-i", clip, "-vf", "nul", "out.mp4"], status: 2, mentions: "No such filter: 'nul'"),
        Case(name: "unknown option", setup: "", args: ["-i", clip, "-vf", "lavfi=grph=hflip", "out.mp4"], status: 2, mentions: "unknown option 'grph'"),
        Case(name: "bad libavfilter chain", setup: "", args: ["-i", clip, "-vf", "lavfi=nosuchfilter", "out.mp4"], status: 2, mentions: "lavfi"),
        Case(name: "out-of-range option", setup: "", args: ["-i", clip, "-crf", "99", "out.mp4"], status: 2, mentions: "-crf 99"),
        Case(name: "unknown command-line option", setup: "", args: ["-i", clip, "-frobnicate", "out.mp4"], status: 2, mentions: "unknown option '-frobnicate'"),
        Case(name: "unknown encoder", setup: "", args: ["-i", clip, "-c:v", "nosuchcodec", "out.mkv"], status: 5, mentions: "nosuchcodec"),
        Case(name: "pixel format the encoder refuses", setup: "", args: ["-i", clip, "-pix_fmt", "rgb48le", "out.mp4"], status: 2, mentions: "does not take pixel format"),
    ]

    @Test("bad input gives its exit code, one line, and leaves no output", arguments: cases)
    func badInput(_ c: Case) throws {
        let dir = try Tool.tempDir()
        if !c.setup.isEmpty { try Tool.shell(c.setup, in: dir) }
        let before = Tool.files(dir)
        let r = try Tool.gid(c.args, in: dir)
        #expect(r.status == c.status, "\(c.name): \(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(c.name): \(r.stderr)")
        #expect(r.stderr.contains(c.mentions), "\(c.name): \(r.stderr)")
        #expect(Tool.files(dir) == before, "\(c.name): no new or partial files")
        if c.name.contains("existing output") {
            #expect(try String(contentsOfFile: "\(dir)/out.mp4", encoding: .utf8) == "keep\n")
        }
    }

    @Test("Ctrl-C mid-encode exits 130 and leaves no partial file")
    func interrupt() throws {
        let dir = try Tool.tempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Tool.binary)
        p.arguments = ["-i", Tool.sample("stills/bythewater.jpg"), "-t", "600", "-r", "25", "-preset", "ultrafast", "long.mp4"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until encoding has really started (the temp file grows), then interrupt.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !Tool.files(dir).contains(where: { $0.contains("gid-tmp") && size("\(dir)/\($0)") > 0 }) {
            usleep(50_000)
        }
        #expect(Tool.files(dir).contains { $0.contains("gid-tmp") }, "encoding had started")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130)
        #expect(Tool.files(dir).isEmpty, "no partial output: \(Tool.files(dir))")
    }

    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    @Test("usage errors on the command line itself", arguments: [
        (["out.mp4", "-t"], "needs a value"), (["-r", "0", "-i", "x.mp4", "out.mp4"], "-r 0"), (["-s", "axb", "out.mp4"], "-s axb"),
        (["a.mp4", "b.mp4"], "more than one output"), (["-t", "-5", "out.mp4"], "-t -5"),
        (["-i", "x.mp4", "-colorspace", "bt709", "out.mp4"], "before -i"),
        (["bench", "--render-quality", "--flow", "fastest"], "--flow takes fast, medium or best"),
        (["bench", "--render-quality", "--weights", "heavy"], "--weights takes paper, gated or filled"),
        (["bench", "--render-quality", "--unfold", "strong"], "--unfold takes a number >= 0, not 'strong'"),
        (["bench", "--render-quality", "--frames", "many"], "--frames takes a number >= 3"),
        (["bench", "--render-quality", "--alpha", "-1"], "--alpha takes a number >= 0"),
        (["bench", "--render-quality", "--gate", "nan"], "--gate takes"),
        (["bench", "--render-speed", "--runs"], "--runs takes a number >= 1, not ''"),
        (["bench", "--render-pairs", "/tmp/x", "--stride", "0"], "--stride takes a number >= 1"),
        (["bench", "--frames", "1e3"], "bench --frames takes a number >= 1"),
    ])
    func cliUsage(_ args: [String], _ mention: String) throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(args, in: dir)
        #expect(r.status == 2)
        #expect(r.stderrLines.count == 1 && r.stderr.contains(mention), "\(r.stderr)")
    }
}
