import Foundation
import Testing

/// Frames through `ffmpeg | gid-filter | ffmpeg` stay bit-identical (framemd5), as in FATE.
@Suite("Pipes")
struct PipeTests {
    static let clip = Tool.sample("clips/dollhouse-fire.mkv")

    func md5s(_ r: Tool.Result) -> [String] {
        String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { String($0.split(separator: ",").last!).trimmingCharacters(in: .whitespaces) }
    }

    @Test("NUT rawvideo round trip keeps every frame's checksum")
    func nutRoundTrip() throws {
        let dir = try Tool.tempDir()
        let direct = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 40 -f framemd5 -", in: dir)
        let piped = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 40 -c:v rawvideo -f nut - | \"$G\" -vf null | ffmpeg -v error -f nut -i - -f framemd5 -", in: dir)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(md5s(direct).count == 40)
        #expect(md5s(piped) == md5s(direct))
    }

    @Test("y4m round trip keeps every frame's checksum")
    func y4mRoundTrip() throws {
        let dir = try Tool.tempDir()
        let direct = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 40 -f framemd5 -", in: dir)
        let piped = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 40 -f yuv4mpegpipe - | \"$G\" -i - -vf null -f yuv4mpegpipe - | ffmpeg -v error -f yuv4mpegpipe -i - -f framemd5 -", in: dir)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(md5s(piped) == md5s(direct))
    }

    @Test("image2pipe of PNGs on stdin decodes each picture")
    func imagePipe() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 5 -c:v png -f image2pipe - | \"$G\" -f image2pipe -i - -y out.nut", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("out.nut", in: dir)["nb_read_frames"] == "5")
    }

    @Test("a closed downstream pipe ends quietly with status 0")
    func closedStdout() throws {
        let dir = try Tool.tempDir()
        let r = try Tool.shell("\"$G\" -i \(Tool.quote(Self.clip)) -f nut - | head -c 1000 > /dev/null; echo ${PIPESTATUS[0]} >&2", in: dir)
        #expect(r.stderrLines == ["0"])
    }

    @Test("lavfi chains run inside gid-filter exactly as in ffmpeg")
    func lavfiMatchesFFmpeg() throws {
        let dir = try Tool.tempDir()
        let ours = try Tool.shell("\"$G\" -i \(Tool.quote(Self.clip)) -frames:v 10 -vf \"lavfi='hflip,scale=212:120'\" -f nut - | ffmpeg -v error -f nut -i - -f framemd5 -", in: dir)
        let theirs = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.clip)) -frames:v 10 -vf 'hflip,scale=212:120' -f framemd5 -", in: dir)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(md5s(ours).count == 10)
        #expect(md5s(ours) == md5s(theirs))
    }
}
