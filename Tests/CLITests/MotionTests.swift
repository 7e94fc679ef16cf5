import Foundation
import Graph
import SpectralVolume
import Testing

/// Motion files through the real binary: magnify / band / slowmo / loop, viz pictures, motion I/O.
@Suite("Motion files")
struct MotionTests {
    static let still = Tool.sample("stills/bythewater.jpg")

    /// Writes `scene.gidm` in `dir`: the sample still at 128x80 (decoded by the ffmpeg CLI) with
    /// ripples on its lake: travelling waves over K=16 frequencies, amplitude falling with frequency.
    static func makeScene(in dir: String, width: Int = 128, height: Int = 80) throws -> Scene {
        let r = try Tool.shell("ffmpeg -v error -i \(Tool.quote(still)) -vf scale=\(width):\(height) -f rawvideo -pix_fmt rgb24 -", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = [UInt8](r.stdout)
        try #require(bytes.count == 3 * width * height)
        let n = width * height
        var planar = [Float](repeating: 0, count: 3 * n)
        for p in 0..<n { for c in 0..<3 { planar[c * n + p] = Float(bytes[3 * p + c]) / 255 } }
        var v = try SpectralVolume(width: width, height: height)
        for y in 0..<height {
            let yf = Float(y) / Float(height)
            let mask = (yf < 0.45 ? max(0, 1 - abs((yf - 0.34) / 0.09)) : 0) + (yf < 0.22 ? 0.25 : 0)
            for x in 0..<width where mask > 0 {
                for k in 1..<v.frequencies {
                    let a = 1.5 * exp(-Float(k - 1) / 2.5) * mask
                    let phase = 2.3 * Float(k) + 0.135 * Float(k * x) + 0.36 * Float(y)
                    v.setCoefficient(k: k, axis: 0, y: y, x: x, (a * cos(phase), a * sin(phase)))
                    v.setCoefficient(k: k, axis: 1, y: y, x: x, (0.4 * a * sin(phase), 0))
                }
            }
        }
        let scene = try Scene(image: RGBImage(width: width, height: height, data: planar), volume: v)
        try MotionFile.write(scene, to: "\(dir)/scene.gidm")
        return scene
    }

    /// Luma frames of a video made from `makeScene`'s default 128x80 scene.
    static func sceneFrames(_ file: String, in dir: String) throws -> [[UInt8]] {
        try CLIPriorTests.frames(file, in: dir, width: 128, height: 80)
    }

    /// Mean |a - b| of two such frames over rows `rows` and columns `cols`.
    static func meanDiff(_ a: [UInt8], _ b: [UInt8], rows: Range<Int>, cols: Range<Int> = 0..<128) -> Double {
        var s = 0
        for y in rows { for x in cols { s += abs(Int(a[y * 128 + x]) - Int(b[y * 128 + x])) } }
        return Double(s) / Double(rows.count * cols.count)
    }

    @Test func magnifyBandSlowmoLoopMakesATenSecondClip() throws {
        let dir = try Tool.tempDir()
        _ = try Self.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", "magnify=gain=2:band=0.2-1.0,slowmo=2,loop=seconds=10", "out.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("out.mp4", in: dir)
        #expect(p["nb_read_frames"] == "300")
        #expect(p["width"] == "128" && p["height"] == "80" && p["r_frame_rate"] == "30/1")
        #expect(abs((Double(p["duration"] ?? "") ?? 0) - 10) < 0.05)
        // A period of 10 s (window 5 s, slowmo 2): a 16 s loop is 16 s, not rounded to periods.
        let r2 = try Tool.gid(["-i", "scene.gidm", "-vf", "slowmo=2,loop=seconds=16", "-r", "12", "b.webm"], in: dir)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(try Tool.probe("b.webm", in: dir)["nb_read_frames"] == "192")
        #expect(Tool.files(dir) == ["b.webm", "out.mp4", "scene.gidm"])
    }

    @Test(arguments: [("heatmap", 128, 80), ("xt", 128, 150), ("spectrum", 640, 360), ("arrows", 128, 80)])
    func vizWritesPNG(mode: String, width: Int, height: Int) throws {
        let dir = try Tool.tempDir()
        _ = try Self.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", "viz=\(mode)", "\(mode).png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("\(mode).png", in: dir)
        #expect(p["codec_name"] == "png" && p["width"] == "\(width)" && p["height"] == "\(height)")
        // Not blank: the picture's values spread (ffmpeg's signalstats on the luma plane).
        let s = try Tool.shell("ffprobe -v error -f lavfi -i \(Tool.quote("movie=\(mode).png,signalstats")) -show_entries frame_tags=lavfi.signalstats.YLOW,lavfi.signalstats.YHIGH -of default=nw=1:nk=1", in: dir)
        let levels = String(decoding: s.stdout, as: UTF8.self).split(separator: "\n").compactMap { Double($0) }
        try #require(levels.count == 2)
        #expect(levels[1] - levels[0] > 40, "luma 10th..90th percentile \(levels)")
    }

    @Test func motionOutputAndMotionsaveWriteFiles() throws {
        let dir = try Tool.tempDir()
        let scene = try Self.makeScene(in: dir)
        var r = try Tool.gid(["-i", "scene.gidm", "-vf", "magnify=3,slowmo=1.5", "big.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let big = try MotionFile.read(from: "\(dir)/big.gidm")
        #expect(big.timeline.slowdown == 1.5)
        #expect(zip(big.volume.data, scene.volume.data).allSatisfy { abs($0 - 3 * $1) <= 1e-6 * max(1, abs($0)) })

        // A still through motion=..., saved on the way, rendered as 1 s at 24 fps of 256x160.
        r = try Tool.gid(["-i", Self.still, "-vf", "motion=scene.gidm,motionsave=copy.gidm", "-t", "1", "-r", "24", "-s", "256x160", "c.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("c.mp4", in: dir)
        #expect(p["nb_read_frames"] == "24" && p["width"] == "256" && p["r_frame_rate"] == "24/1")
        let copy = try MotionFile.read(from: "\(dir)/copy.gidm")
        #expect(copy.width == 768 && copy.height == 480)    // resampled to the still's size
        #expect(Tool.files(dir) == ["big.gidm", "c.mp4", "copy.gidm", "scene.gidm"])
    }

    @Test func errorsAreOneClearLine() throws {
        let dir = try Tool.tempDir()
        _ = try Self.makeScene(in: dir, width: 32, height: 20)
        let cases: [([String], Int32, String)] = [
            // A still gets motion from the learned prior (Tests/PriorTests); a missing model is an input error.
            (["-i", Self.still, "-vf", "motion=model=nope.safetensors,magnify=2", "x.mp4"], 3, "nope.safetensors: no such model file"),
            (["-i", "scene.gidm", "-vf", "loop", "x.mp4"], 2, "give seconds=S"),
            (["-i", "scene.gidm", "-vf", "viz=plot", "x.png"], 2, "mode=plot"),
            (["-i", "missing.gidm", "x.mp4"], 3, "missing.gidm"),
            (["-i", "scene.gidm", "-vf", "render", "x.gidm"], 2, "ends with motion"),
        ]
        for (args, status, text) in cases {
            let r = try Tool.gid(args, in: dir)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderrLines.count == 1 && r.stderr.contains(text), "\(args): \(r.stderr)")
        }
        #expect(Tool.files(dir) == ["scene.gidm"])
    }

    @Test func filtersListsTheMotionFilters() throws {
        let r = try Tool.gid(["filters"], in: try Tool.tempDir())
        let text = String(decoding: r.stdout, as: UTF8.self)
        for name in ["loop", "magnify", "mask", "motion", "motionsave", "poke", "render", "slowmo", "viz"] {
            #expect(text.contains(" \(name) "), "\(name)")
        }
        let help = try Tool.gid(["help", "magnify"], in: try Tool.tempDir())
        #expect(String(decoding: help.stdout, as: UTF8.self).contains("band without gain keeps the band"))
        // The top-level help shows the motion filters at work, not only I/O.
        let usage = try Tool.gid(["--help"], in: try Tool.tempDir())
        let usageText = String(decoding: usage.stdout, as: UTF8.self) + usage.stderr
        for example in ["motion,loop=seconds=5", "slowmo=4", "poke=x=", "mask=file=", "viz=heatmap:grid=1"] {
            #expect(usageText.contains(example), "--help lacks \(example)")
        }
    }
}
