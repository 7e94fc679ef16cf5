import Foundation
import Testing

/// Decoding real media: frame counts, orientation, odd sizes, alpha, grey, 10-bit, VFR.
@Suite("Decoding")
struct DecodeTests {
    @Test("a real clip decodes with the right frame count", arguments: [
        ("clips/dollhouse-fire.mkv", 150), ("clips/crane-sway.mkv", 215), ("clips/bbb-with-audio.mp4", 50),
    ])
    func frameCount(_ sample: String, _ frames: Int) throws {
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Tool.sample(sample), "-f", "nut", "out.nut"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("out.nut", in: dir)["nb_read_frames"] == String(frames))
    }

    /// Pixels of a PNG as rgb24 bytes.
    func rgb(_ file: String, in dir: String) throws -> [UInt8] {
        [UInt8](try Tool.shell("ffmpeg -v error -i \(Tool.quote(file)) -f rawvideo -pix_fmt rgb24 -", in: dir).stdout)
    }

    @Test("a JPEG with EXIF orientation 6 comes out upright")
    func exifRotation() throws {
        // Stored 64x32: left half red, right half blue. Upright (90 degrees clockwise): 32x64, red on top.
        let dir = try Tool.tempDir()
        let r = try Tool.gid(["-i", Tool.fixture("exif-orientation-6.jpg"), "up.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("up.png", in: dir)
        #expect(p["width"] == "32" && p["height"] == "64")
        let px = try rgb("up.png", in: dir)
        let top = Array(px[(2 * 32 + 16) * 3..<(2 * 32 + 16) * 3 + 3])
        let bottom = Array(px[(61 * 32 + 16) * 3..<(61 * 32 + 16) * 3 + 3])
        #expect(top[0] > 200 && top[2] < 50, "top is red: \(top)")
        #expect(bottom[2] > 200 && bottom[0] < 50, "bottom is blue: \(bottom)")
    }

    @Test("odd sizes, alpha, grey and 10-bit inputs decode and encode", arguments: [
        ("testsrc2=size=161x97", "rgba", "a.png"), ("testsrc2=size=161x97", "yuv420p", "a.mp4"),
        ("testsrc2=size=128x72", "gray", "a.mp4"), ("testsrc2=size=128x72", "yuv420p10le", "a.mp4"),
        ("testsrc2=size=128x72", "yuva420p", "a.webm"),
    ])
    func unusualInputs(_ src: String, _ pixFmt: String, _ out: String) throws {
        let dir = try Tool.tempDir()
        try Tool.shell("ffmpeg -v error -f lavfi -i \(src) -frames:v 3 -pix_fmt \(pixFmt) -c:v \(pixFmt == "rgba" ? "png" : "ffv1") in.mkv", in: dir)
        let r = try Tool.gid(["-i", "in.mkv", out], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe(out, in: dir)
        #expect(p["nb_read_frames"] == (out.hasSuffix(".png") ? "1" : "3"))
        if out.hasSuffix(".mp4") { #expect(p["width"] == String((Int(src.split(separator: "=")[2].split(separator: "x")[0])!) & ~1)) }
        if pixFmt == "rgba" { #expect(p["pix_fmt"] == "rgba", "alpha kept in PNG") }
    }

    @Test("a 10-bit source converts to 8-bit with the right brightness")
    func tenBitLevels() throws {
        let dir = try Tool.tempDir()
        try Tool.shell("ffmpeg -v error -f lavfi -i color=c=0x808080:s=64x64 -frames:v 1 -pix_fmt yuv420p10le -c:v ffv1 in.mkv", in: dir)
        #expect(try Tool.gid(["-i", "in.mkv", "o.png"], in: dir).status == 0)
        let px = try rgb("o.png", in: dir)
        #expect(px.count == 64 * 64 * 3)
        #expect(abs(Int(px[0]) - 128) <= 2, "grey level \(px[0])")
    }

    @Test("variable frame rate timestamps survive")
    func vfr() throws {
        let dir = try Tool.tempDir()
        try Tool.shell("ffmpeg -v error -f lavfi -i testsrc2=size=64x64:rate=10 -frames:v 10 -vf \"setpts='if(lt(N,5),N,N*3)/10/TB'\" -fps_mode vfr -c:v ffv1 in.mkv", in: dir)
        #expect(try Tool.gid(["-i", "in.mkv", "out.mkv", "-c:v", "ffv1"], in: dir).status == 0)
        let a = try Tool.shell("ffprobe -v error -show_entries frame=pts_time -of csv=p=0 in.mkv", in: dir)
        let b = try Tool.shell("ffprobe -v error -show_entries frame=pts_time -of csv=p=0 out.mkv", in: dir)
        #expect(!a.stdout.isEmpty && a.stdout == b.stdout)
    }

    @Test("clips in ../shared/data decode with their listed frame counts", .enabled(if: Tool.sharedData != nil, "../shared/data is absent (a user's clone has none): skipped"))
    func sharedClips() throws {
        let dir = try Tool.tempDir()
        for (name, frames) in [("water__lake_boats.mp4", 150), ("plants__big_tree_park.mkv", 132), ("candle__gatech_frames.mkv", 100)] {
            let r = try Tool.gid(["-i", "\(Tool.sharedData!)/clips/\(name)", "-y", "o.nut"], in: dir)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(try Tool.probe("o.nut", in: dir)["nb_read_frames"] == String(frames), "\(name)")
        }
    }
}
