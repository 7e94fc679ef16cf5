import Foundation
import Testing

/// Every output format: ffprobe reports the codec, pixel format, frame count and duration asked for.
@Suite("Output formats")
struct FormatTests {
    static let clip = Tool.sample("clips/dollhouse-fire.mkv")

    struct Case: CustomTestStringConvertible, Sendable {
        var output: String
        var extra: [String]
        var codec: String
        var pixFmt: String?
        var testDescription: String { output }
    }

    static let cases: [Case] = [
        Case(output: "a.mp4", extra: [], codec: "h264", pixFmt: "yuv420p"),
        Case(output: "a.webm", extra: [], codec: "vp9", pixFmt: "yuv420p"),
        Case(output: "a.mkv", extra: [], codec: "h264", pixFmt: "yuv420p"),
        Case(output: "a.mov", extra: ["-crf", "30", "-preset", "ultrafast"], codec: "h264", pixFmt: "yuv420p"),
        Case(output: "a.nut", extra: [], codec: "rawvideo", pixFmt: "yuv420p"),
        Case(output: "a.y4m", extra: [], codec: "rawvideo", pixFmt: "yuv420p"),
        Case(output: "a.gif", extra: [], codec: "gif", pixFmt: nil),
        Case(output: "a.mkv", extra: ["-c:v", "ffv1", "-pix_fmt", "yuv444p"], codec: "ffv1", pixFmt: "yuv444p"),
    ]

    @Test("format, codec, pixel format, frame count, duration", arguments: cases)
    func format(_ c: Case) throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Self.clip, "-t", "1", "-r", "20", "-s", "160x90"] + c.extra + [c.output], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe(c.output, in: dir)
        #expect(p["codec_name"] == c.codec)
        if let f = c.pixFmt { #expect(p["pix_fmt"] == f) }
        #expect(p["width"] == "160" && p["height"] == "90")
        #expect(p["nb_read_frames"] == "20")
        if c.output.hasSuffix(".mp4") || c.output.hasSuffix(".mov") || c.output.hasSuffix(".webm") {
            let d = Double(p["duration"] ?? "") ?? 0
            #expect(abs(d - 1.0) < 0.06, "duration \(d)")
        }
        #expect(Tool.files(dir) == [c.output], "no temp files left")
    }

    @Test("MP4 is faststart: moov before mdat")
    func faststart() throws {
        let dir = try Tool.tempDir()
        try Tool.gid(["-i", Self.clip, "-t", "0.5", "a.mp4"], in: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.mp4"))
        let moov = data.range(of: Data("moov".utf8))!.lowerBound
        let mdat = data.range(of: Data("mdat".utf8))!.lowerBound
        #expect(moov < mdat)
    }

    @Test("animated WebP holds one ANMF chunk per frame and loops forever")
    func webp() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Self.clip, "-t", "1", "-r", "10", "-s", "160x90", "a.webp"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.webp"))
        #expect(data.prefix(4) == Data("RIFF".utf8))
        var count = 0, from = data.startIndex
        while let range = data.range(of: Data("ANMF".utf8), in: from..<data.endIndex) { count += 1; from = range.upperBound }
        #expect(count == 10)
        let anim = data.range(of: Data("ANIM".utf8))!.upperBound
        #expect(data[anim + 8] == 0 && data[anim + 9] == 0, "loop count 0 = forever")
    }

    @Test("PNG sequence: one file per frame, all or nothing")
    func pngSequence() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Self.clip, "-frames:v", "7", "f_%03d.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Tool.files(dir) == (1...7).map { String(format: "f_%03d.png", $0) })
        #expect(try Tool.probe("f_001.png", in: dir)["pix_fmt"] == "rgb24")
    }

    @Test("a still becomes a clip: -t 3 -r 25 gives 75 frames, 3 s")
    func stillToClip() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Tool.sample("stills/bythewater.jpg"), "-vf", "null", "-t", "3", "-r", "25", "still.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("still.mp4", in: dir)
        #expect(p["nb_read_frames"] == "75")
        #expect(p["width"] == "768" && p["height"] == "480")
        #expect(abs((Double(p["duration"] ?? "") ?? 0) - 3.0) < 0.05)
    }

    @Test("-f null discards, and a single PNG gets the last frame")
    func nullAndSingleImage() throws {
        let dir = try Tool.tempDir()
        #expect(try Tool.gid(["-i", Self.clip, "-f", "null", "-"], in: dir).status == 0)
        let r = try Tool.gid(["-i", Self.clip, "-frames:v", "3", "one.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Tool.files(dir) == ["one.png"])
    }

    @Test("audio is copied when timing is kept, dropped with a notice otherwise")
    func audioCopy() throws {
        let dir = try Tool.tempDir()
        let src = Tool.sample("clips/bbb-with-audio.mp4")
        #expect(try Tool.gid(["-i", src, "-vf", "lavfi='scale=320:-2'", "a.mp4"], in: dir).status == 0)
        let kept = try Tool.shell("ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 a.mp4", in: dir)
        #expect(String(decoding: kept.stdout, as: UTF8.self).contains("aac"))
        let r = try Tool.gid(["-i", src, "-r", "10", "b.mp4"], in: dir)
        #expect(r.stderr.contains("audio dropped"))
        let dropped = try Tool.shell("ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 b.mp4", in: dir)
        #expect(dropped.stdout.isEmpty)
        // -an drops it on purpose (no notice); -c:a copy is what happens anyway; anything else is refused.
        let an = try Tool.gid(["-i", src, "-an", "-c:a", "copy", "c.mp4"], in: dir)
        #expect(an.status == 0 && !an.stderr.contains("audio"), "\(an.stderr)")
        let none = try Tool.shell("ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 c.mp4", in: dir)
        #expect(none.stdout.isEmpty)
        let aac = try Tool.gid(["-i", src, "-c:a", "aac", "d.mp4"], in: dir)
        #expect(aac.status == 2 && aac.stderrLines.count == 1 && aac.stderr.contains("-c:a aac"), "\(aac.stderr)")
    }

    @Test("-progress writes ffmpeg-style key=value blocks ending in progress=end")
    func progressFile() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Self.clip, "-progress", "p.txt", "-f", "null", "-"], in: dir)
        #expect(r.status == 0)
        let text = try String(contentsOfFile: "\(dir)/p.txt", encoding: .utf8)
        #expect(text.contains("frame=150"))
        #expect(text.hasSuffix("progress=end\n"))
    }
}
