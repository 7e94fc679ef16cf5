import Foundation
import Graph
import SpectralVolume
import Testing

/// Hostile numbers, endless sources, huge sizes, signals and races: each ends with its documented
/// exit code and one stderr line, and leaves no file behind.
@Suite("Robustness")
struct RobustnessTests {
    static let still = Tool.sample("stills/coldripple.jpg")
    static let clip = Tool.sample("clips/crane-sway.mkv")

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var args: [String]
        var status: Int32
        var mentions: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "-r 1e19", args: ["-y", "-r", "1e19", "-i", still, "-t", "1", "o.mp4"], status: 2, mentions: "-r 1e19"),
        Case(name: "-r -1e19", args: ["-y", "-r", "-1e19", "-i", still, "-t", "1", "o.mp4"], status: 2, mentions: "-r -1e19"),
        Case(name: "-t 1e19 on a still", args: ["-y", "-i", still, "-t", "1e19", "o.mp4"], status: 2, mentions: "-t 1e19"),
        Case(name: "-t 1e19 before -i", args: ["-y", "-t", "1e19", "-i", still, "o.mp4"], status: 2, mentions: "-t 1e19"),
        Case(name: "-ss 1e13 before -i", args: ["-y", "-ss", "1e13", "-i", clip, "o.mp4"], status: 2, mentions: "-ss 1e13"),
        Case(name: "a still repeated past the frame limit", args: ["-y", "-i", still, "-t", "5", "-frame_limit", "100", "o.mp4"],
             status: 2, mentions: "-frame_limit"),
        Case(name: "endless libavfilter source", args: ["-y", "-i", still, "-vf", "lavfi='tpad=stop=-1'", "-frame_limit", "30", "o.png"],
             status: 2, mentions: "lavfi 'tpad=stop=-1': would make more than 30 frames"),
        Case(name: "impossible libavfilter size", args: ["-y", "-i", still, "-vf", "lavfi='scale=1e-308:inf'", "o.png"], status: 2, mentions: "lavfi"),
        Case(name: "render larger than the memory limit", args: ["-y", "-i", still, "-vf", "motion,render=size=4000x4000", "-max_memory", "1", "o.mp4"],
             status: 2, mentions: "-max_memory"),
        Case(name: "a chain longer than 1000 filters", args: ["-y", "-i", still, "-vf", Array(repeating: "null", count: 1001).joined(separator: ","), "o.png"],
             status: 2, mentions: "at most 1000"),
    ]

    @Test("out-of-range numbers and endless sources: exit code, one line, no file", arguments: cases)
    func rejected(_ c: Case) throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(c.args, in: dir)
        #expect(r.status == c.status, "\(c.name): \(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains(c.mentions), "\(c.name): \(r.stderr)")
        #expect(Tool.files(dir).isEmpty, "\(c.name): \(Tool.files(dir))")
    }

    @Test("an endless source ends where -frames:v or -t cuts it")
    func endlessSourceCut() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-y", "-i", Self.still, "-vf", "lavfi='loop=loop=-1:size=1,scale=64:48'", "-t", "2", "o.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("o.mp4", in: dir)["nb_read_frames"] == "50")
    }

    @Test("magnified motion far off the canvas still draws a heatmap")
    func hugeMagnification() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-y", "-i", Self.clip, "-t", "1", "-s", "160x90", "-vf",
                              "motion=k=4,magnify=100,magnify=100,magnify=100,viz", "heat.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Tool.files(dir) == ["heat.png"])
    }

    /// A .gidm whose metadata `key` is replaced by `value` (the header is rewritten, tensors kept).
    static func motionFile(_ key: String, _ value: String) throws -> [UInt8] {
        let image = RGBImage(width: 4, height: 3, data: [Float](repeating: 0.5, count: 36))
        let volume = try SpectralVolume(frequencies: 2, width: 4, height: 3)
        var bytes = MotionFile.encode(try Scene(image: image, volume: volume))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try #require(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        var meta = try #require(header["__metadata__"] as? [String: String])
        meta[key] = value
        header["__metadata__"] = meta
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        bytes = (0..<8).map { UInt8((json.count >> (8 * $0)) & 0xFF) } + json + bytes[(8 + n)...]
        return bytes
    }

    @Test("absurd numbers in a motion file are an input error", arguments: [
        ("fps", "1e200"), ("fps", "1e308"), ("fps", "1e-300"), ("window_seconds", "1e30"), ("window_seconds", "1e308"),
    ])
    func motionFileNumbers(_ key: String, _ value: String) throws {
        let dir = try Tool.tempDir()
        try Data(try Self.motionFile(key, value)).write(to: URL(fileURLWithPath: "\(dir)/bad.gidm"))
        let r = try Tool.gid(["-y", "-i", "bad.gidm", "-vf", "null", "o.mp4"], in: dir)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("bad.gidm: metadata '\(key)'"), "\(r.stderr)")
        #expect(Tool.files(dir) == ["bad.gidm"])
    }

    @Test("a zero display matrix is no rotation (ffmpeg reads the file too)")
    func zeroDisplayMatrix() throws {
        let dir = try Tool.tempDir()
        try Tool.gid(["-y", "-i", Self.clip, "-t", "0.5", "-s", "160x90", "small.mp4"], in: dir)
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/small.mp4")))
        let tkhd = try #require((0..<(b.count - 4)).first { b[$0..<($0 + 4)].elementsEqual("tkhd".utf8) })
        let v1 = b[tkhd + 4] == 1
        // version/flags, times, track id, reserved, duration, reserved, layer, group, volume, reserved.
        let matrix = tkhd + 8 + (v1 ? 16 : 8) + 8 + (v1 ? 8 : 4) + 16
        for i in matrix..<(matrix + 36) { b[i] = 0 }
        try Data(b).write(to: URL(fileURLWithPath: "\(dir)/zero.mp4"))
        let r = try Tool.gid(["-y", "-i", "zero.mp4", "out.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("out.mp4", in: dir)["width"] == "160")
    }

    @Test("a model that produces NaN is an input error naming the model")
    func nanModel() throws {
        let dir = try Tool.tempDir()
        var b = [UInt8](try Data(contentsOf: Tool.root.appendingPathComponent("Models/gid-prior-default.safetensors")))
        let n = b[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        // Every weight NaN (0x7fc00000 little-endian); the header and shapes stay valid.
        for i in stride(from: 8 + n, to: b.count - 3, by: 4) { b[i] = 0; b[i + 1] = 0; b[i + 2] = 0xC0; b[i + 3] = 0x7F }
        try Data(b).write(to: URL(fileURLWithPath: "\(dir)/nan.safetensors"))
        let r = try Tool.gid(["-y", "-i", Self.still, "-vf", "motion", "out.mp4"], in: dir, env: ["GID_PRIOR_MODEL": "\(dir)/nan.safetensors"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("nan.safetensors") && r.stderr.contains("NaN"), "\(r.stderr)")
        #expect(Tool.files(dir) == ["nan.safetensors"])
    }

    @Test("every stop signal exits 130 and a crash signal still removes the temp file",
          arguments: [[SIGHUP, 130], [SIGQUIT, 130], [SIGTERM, 130], [SIGSEGV, -1], [SIGILL, -1]] as [[Int32]])
    func signals(_ pair: [Int32]) throws {
        let signal = pair[0], status = pair[1]
        let dir = try Tool.tempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Tool.binary)
        p.arguments = ["-i", Self.still, "-t", "600", "-r", "25", "-preset", "ultrafast", "long.mp4"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardError = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"  // a crash report is not what this test is about
        p.environment = env
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !Tool.files(dir).contains(where: { $0.contains("gid-tmp") }) { usleep(50_000) }
        usleep(300_000)
        #expect(Tool.files(dir).contains { $0.contains("gid-tmp") }, "encoding had started")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        if status >= 0 {
            #expect(p.terminationStatus == status)
        } else {
            #expect(p.terminationReason == .uncaughtSignal || p.terminationStatus != 0)
        }
        #expect(Tool.files(dir).isEmpty, "no partial output: \(Tool.files(dir))")
    }

    @Test("two -n runs racing for one name: exactly one succeeds")
    func noClobberRace() throws {
        let dir = try Tool.tempDir()
        let args = "-n -i \(Tool.quote(Self.still)) -t 2 -s 160x120 -preset ultrafast out.mp4"
        let r = try Tool.shell("(\"$G\" \(args) 2>a.err; echo $? > a.rc) & (\"$G\" \(args) 2>b.err; echo $? > b.rc) & wait", in: dir)
        #expect(r.status == 0)
        let codes = try ["a.rc", "b.rc"].map { try String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(codes.sorted() == ["0", "4"], "\(codes)")
        #expect(Tool.files(dir).filter { !$0.hasSuffix(".err") && !$0.hasSuffix(".rc") } == ["out.mp4"])
    }
}
