import Foundation
import Testing

/// `-ss` / `-t` / `-to` before `-i` read part of the input, as in ffmpeg: the frames kept are the
/// ones whose timestamps fall in the range, seeking where the file allows and decoding through
/// otherwise (pipes), with audio cut to match.
@Suite("Input range (-ss, -t, -to before -i)")
struct InputRangeTests {
    /// 280x280 H.264 at 24 frames/s, 215 frames.
    static let crane = Tool.sample("clips/crane-sway.mkv")

    /// The decoded frames of `args` as rgb24, one array per frame; `upstream` is a shell command
    /// piped into gid-filter's stdin.
    func frames(_ args: [String], in dir: String, upstream: String? = nil, side: Int = 280) throws -> [[UInt8]] {
        // gid-filter stops reading at the range's end, so the upstream may see a closed pipe.
        let feed = upstream.map { "{ \($0) 2>/dev/null || true; } | " } ?? ""
        let r = try Tool.shell(feed + "\"$G\" -nostats " + (args + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]).map(Tool.quote).joined(separator: " "),
                               in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let size = side * side * 3
        let bytes = [UInt8](r.stdout)
        return stride(from: 0, to: bytes.count - size + 1, by: size).map { Array(bytes[$0..<$0 + size]) }
    }

    @Test("-ss and -t pick the frames whose times fall in the range, the same from a file and a pipe")
    func fileAndPipe() throws {
        let dir = try Tool.tempDir()
        let all = try frames(["-i", Self.crane], in: dir)
        #expect(all.count == 215)
        // 2.3 s at 24 frames/s: the first frame at or after it is frame 56 (2.333 s); 1 s = 24 frames.
        let part = try frames(["-ss", "2.3", "-t", "1", "-i", Self.crane], in: dir)
        #expect(part.count == 24)
        #expect(part.first == all[56] && part.last == all[79], "the seek lands on frame 56 and decodes it exactly")
        // A pipe cannot seek: the frames before the start are decoded and dropped.
        let piped = try frames(["-ss", "2.3", "-t", "1", "-i", "-"], in: dir,
                               upstream: "ffmpeg -v error -i \(Tool.quote(Self.crane)) -c:v rawvideo -f nut -")
        #expect(piped.count == 24 && piped.first == all[56] && piped.last == all[79])
        // -to is a position: -ss 1 -to 3 reads frames 24..71.
        let to = try frames(["-ss", "1", "-to", "3", "-i", Self.crane], in: dir)
        #expect(to.count == 48 && to.first == all[24] && to.last == all[71])
        // After -i the same options act on the output: everything is decoded, the same frames come out.
        let late = try frames(["-i", Self.crane, "-ss", "2.3", "-t", "1"], in: dir)
        #expect(late.count == 24 && late.first == all[56] && late.last == all[79])
        let lateTo = try frames(["-i", Self.crane, "-ss", "1", "-to", "3"], in: dir)
        #expect(lateTo.count == 48 && lateTo.first == all[24] && lateTo.last == all[71])
    }

    @Test("-ss after -i skips the start of what the graph makes: a slowed-down clip")
    func outputStartAfterTheGraph() throws {
        let dir = try Tool.tempDir()
        // The clip's first 1.5 s, slowed to 3 s; output frame j is at j / 24 s: -ss 2 drops 48
        // frames, -t 0.5 keeps the next 12.
        let graph = "lavfi='scale=96:96',slowmo=2"  // small: debug builds interpolate slowly
        let whole = try frames(["-t", "1.5", "-i", Self.crane, "-vf", graph], in: dir, side: 96)
        #expect(whole.count == 71)
        let part = try frames(["-t", "1.5", "-i", Self.crane, "-vf", graph, "-ss", "2", "-t", "0.5"], in: dir, side: 96)
        #expect(part.count == 12 && part.first == whole[48] && part.last == whole[59])
    }

    @Test("a range feeds the filters: slow motion of one second of a clip")
    func slowMotionOfARange() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-ss", "1", "-t", "1", "-i", Self.crane, "-vf", "slowmo=2", "-c:v", "ffv1", "slow.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // 24 frames read, 23 made between them (Matroska's millisecond timestamps put the last
        // one at 0.958 s instead of 23/24 s: it still closes the clip).
        #expect(try Tool.probe("slow.mkv", in: dir)["nb_read_frames"] == "47")
    }

    @Test("copied audio is cut with the video and starts with it")
    func audioFollows() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-ss", "0.5", "-t", "1", "-i", Tool.sample("clips/bbb-with-audio.mp4"), "cut.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let streams = try Tool.shell("ffprobe -v error -show_entries stream=codec_type,start_time,duration -of csv=p=0 cut.mp4", in: dir)
        var seen: [String: (start: Double, length: Double)] = [:]
        for line in String(decoding: streams.stdout, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ",").map(String.init)
            if f.count == 3, let s = Double(f[1]), let d = Double(f[2]) { seen[f[0]] = (s, d) }
        }
        let video = try #require(seen["video"]), audio = try #require(seen["audio"])
        #expect(abs(video.length - 1) < 0.01, "video \(video)")
        // The first whole audio packet at or after 0.5 s: at most one AAC packet (21 ms) late.
        #expect(audio.start >= 0 && audio.start < 0.025, "audio starts at \(audio.start)")
        #expect(abs(audio.start + audio.length - 1) < 0.03, "audio ends at \(audio.start + audio.length)")
    }

    @Test("on a still, -t before -i is how long to show it")
    func stillDuration() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-t", "2", "-i", Tool.sample("stills/bythewater.jpg"), "-s", "160x100", "still.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("still.mp4", in: dir)
        #expect(p["nb_read_frames"] == "50", "\(p)")
    }

    @Test("ranges that select nothing, or are given in the wrong place, are one-line errors", arguments: [
        (["-ss", "100", "-i", crane, "out.mp4"], Int32(3), "-ss 100 is at or past the end of the input"),
        (["-ss", "1", "-i", Tool.sample("stills/bythewater.jpg"), "out.mp4"], Int32(3), "bythewater.jpg: -ss 1 is at or past the end"),
        (["-ss", "3", "-to", "2", "-i", crane, "out.mp4"], Int32(2), "-to 2: not after -ss 3"),
        (["-i", crane, "-ss", "3", "-to", "2", "out.mp4"], Int32(2), "-to 2: not after -ss 3; nothing would be written"),
        (["-i", crane, "-ss", "100", "out.mp4"], Int32(3), "crane-sway.mkv: -ss 100 after -i drops every frame of the output (it ends at 8.9"),
        (["-ss", "x", "-i", crane, "out.mp4"], Int32(2), "-ss x: not a position"),
    ])
    func refusals(_ args: [String], _ status: Int32, _ mention: String) throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(args, in: dir)
        #expect(r.status == status, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains(mention), "\(r.stderr)")
        #expect(Tool.files(dir).isEmpty, "no output left: \(Tool.files(dir))")
    }

    @Test("a motion file has no frames to skip")
    func motionFileRefusesARange() throws {
        let dir = try Tool.tempDir()
        var r = try Tool.gid(["-t", "2", "-i", Self.crane, "-vf", "motion", "scene.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-ss", "1", "-i", "scene.gidm", "out.mp4"], in: dir)
        #expect(r.status == 2 && r.stderrLines.count == 1 && r.stderr.contains("a motion file has no frames to skip"), "\(r.stderr)")
    }
}
