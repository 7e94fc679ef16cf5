import Foundation
import Graph
import CFFmpeg
@testable import MediaIO
import Testing

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func sample(_ name: String) -> String { root.appendingPathComponent("Samples/\(name)").path }

@Suite("MediaIO in process")
struct MediaIOTests {
    @Test("a clip decodes frame by frame with increasing timestamps from 0")
    func decodeClip() throws {
        let reader = try MediaReader(path: sample("clips/crane-sway.mkv"))
        #expect(reader.info.width == 280 && reader.info.height == 280)
        #expect(!reader.info.isStill)
        var n = 0
        var last: Int64 = -1
        while let f = try reader.nextFrame() {
            if n == 0 { #expect(f.pts == 0) }
            #expect(f.pts > last)
            last = f.pts
            n += 1
        }
        #expect(n == 215)
    }

    @Test("a JPEG is a still of one frame whose RGB is in 0...1")
    func still() throws {
        let reader = try MediaReader(path: sample("stills/bythewater.jpg"))
        #expect(reader.info.isStill && reader.info.frameCount == 1)
        let img = try #require(try reader.nextFrame()).rgb()
        #expect(img.width == 768 && img.height == 480)
        #expect(img.data.allSatisfy { $0 >= -0.01 && $0 <= 1.01 })
        #expect(try reader.nextFrame() == nil)
    }

    @Test("float RGB -> yuv444p -> float RGB is close (PSNR > 45 dB)")
    func colourRoundTrip() throws {
        let reader = try MediaReader(path: sample("stills/bythewater.jpg"))
        let img = try #require(try reader.nextFrame()).rgb()
        let yuv = try PixelConverter.fromRGB(img, format: AV_PIX_FMT_YUV444P_, width: img.width, height: img.height)
        let back = try yuv.toRGB()
        var mse = 0.0
        for i in img.data.indices { let d = Double(img.data[i] - back.data[i]); mse += d * d }
        mse /= Double(img.data.count)
        let psnr = 10 * log10(1 / mse)
        #expect(psnr > 45, "PSNR \(psnr)")
    }

    @Test("grey pictures convert to float RGB with their exact levels", arguments: ["gray", "gray16be", "ya8"])
    func grayLevels(_ pixFmt: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gid-gray-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A horizontal ramp 0..255 (through ffmpeg, so the file is a real PNG of that format).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-f", "lavfi", "-i", "nullsrc=s=256x8,format=rgb24,geq=r='X':g='X':b='X'", "-frames:v", "1",
                       "-pix_fmt", pixFmt, "\(dir)/ramp.png"]
        try p.run()
        p.waitUntilExit()
        let img = try #require(try MediaReader(path: "\(dir)/ramp.png").nextFrame()).rgb()
        for x in stride(from: 0, to: 256, by: 17) {
            for c in 0..<3 {
                let v = img.data[c * img.planeSize + 3 * 256 + x]
                #expect(abs(v * 255 - Float(x)) < 1.01, "\(pixFmt) x=\(x) c=\(c): \(v * 255)")
            }
        }
    }

    @Test("float RGB written as untagged YUV (NUT) reads back with the same colours", arguments: [("yuv444p", 480), ("yuv444p", 720)])
    func untaggedRoundTrip(_ pixFmt: String, _ height: Int) throws {
        let src = try #require(try MediaReader(path: sample("stills/bythewater.jpg")).nextFrame()).rgb()
        // Tile the still to the wanted height: the matrix convention depends on it.
        let w = src.width, h = height
        var data = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 { for i in 0..<(w * h) { data[c * w * h + i] = src.data[c * src.planeSize + i % src.planeSize] } }
        let img = RGBImage(width: w, height: h, data: data)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gid-rt-\(UUID().uuidString).nut").path
        let info = StreamInfo(width: w, height: h, timeBase: Rational(1, 25), frameRate: Rational(25, 1))
        let writer = try MediaWriter(path: path, options: EncodeOptions(pixelFormat: pixFmt), input: info)
        try writer.write(Frame(img, pts: 0, duration: 1, timeBase: Rational(1, 25)))
        try writer.finish()
        let back = try #require(try MediaReader(path: path).nextFrame()).rgb()
        var bias = [Double](repeating: 0, count: 3)
        for c in 0..<3 {
            for i in 0..<(w * h) { bias[c] += Double(back.data[c * w * h + i] - img.data[c * w * h + i]) }
            bias[c] *= 255 / Double(w * h)
        }
        #expect(bias.allSatisfy { abs($0) < 0.5 }, "mean error per channel in 8-bit levels: \(bias)")
    }

    @Test("-colorspace bt601 reads ffmpeg's untagged 720p YUV as ffmpeg does; without it the size rule (BT.709) applies")
    func colorspaceOverride() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gid-cs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // ffmpeg converts RGB to YUV with BT.601 at every size and NUT keeps no tag.
        func ffmpeg(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            p.arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1280x720", "-frames:v", "1"] + args
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
        try ffmpeg(["-pix_fmt", "yuv444p", "-c:v", "rawvideo", "-f", "nut", "\(dir)/hd.nut"])
        // ffmpeg's own reading of the same NUT, as 8-bit RGB.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-v", "error", "-y", "-i", "\(dir)/hd.nut", "-f", "rawvideo", "-pix_fmt", "rgb24", "\(dir)/hd.rgb"]
        try p.run()
        p.waitUntilExit()
        let reference = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/hd.rgb")))
        #expect(reference.count == 1280 * 720 * 3)
        func meanError(_ colorspace: String?) throws -> Double {
            let img = try #require(try MediaReader(path: "\(dir)/hd.nut", colorspace: colorspace).nextFrame()).rgb()
            var sum = 0.0
            for i in 0..<(1280 * 720) {
                for c in 0..<3 { sum += abs(Double(img.data[c * img.planeSize + i]) * 255 - Double(reference[3 * i + c])) }
            }
            return sum / Double(3 * 1280 * 720)
        }
        let told = try meanError("bt601"), guessed = try meanError(nil)
        #expect(told < 0.6, "mean |error| with -colorspace bt601: \(told) levels")
        #expect(guessed > 2 * told + 0.5, "without it: \(guessed) levels (BT.709 assumed for 720 lines)")
        #expect(throws: GIDError.self) { try MediaReader(path: "\(dir)/hd.nut", colorspace: "bt999") }
    }

    @Test("float RGB -> 8-bit RGB keeps its colours at SD and HD sizes (no matrix applied)", arguments: [
        ("rgb24", 480), ("rgb24", 720), ("gbrp", 480), ("rgba", 480),
    ])
    func rgbToRGBIsExact(_ pixFmt: String, _ height: Int) throws {
        let w = 64, n = w * height
        // Saturated colours show a matrix mix-up most.
        let data = (0..<(3 * n)).map { i -> Float in
            let c = i / n, p = i % n
            return Float((p * (c + 3) * 37) % 256) / 255
        }
        let img = RGBImage(width: w, height: height, data: data)
        let out = try PixelConverter.fromRGB(img, format: AVPixelFormat(rawValue: try pixelFormat(named: pixFmt)), width: w, height: height)
        let back = try out.toRGB()
        let errors = zip(back.data, img.data).map { ($0 - $1) * 255 }
        let worst = errors.map(abs).max() ?? 0
        let bias = errors.reduce(0, +) / Float(errors.count)
        // swscale's float -> 8-bit path truncates in places (errors below one level); a matrix
        // mix-up shifts saturated colours by several levels and biases the mean.
        #expect(worst < 1.0 && abs(bias) < 0.3, "\(pixFmt) \(height): worst \(worst) levels, mean \(bias)")
    }

    @Test("float RGB <-> planar float libav frames of the same size round-trip exactly (with alpha too)",
          arguments: [false, true])
    func planarFloatRoundTrip(alpha: Bool) throws {
        // 37 columns: libav pads each row, so a copy that ignores the line size would show.
        let w = 37, h = 11, n = w * h
        let data = (0..<(3 * n)).map { Float(($0 * 7919) % 1000) / 999 }
        let img = RGBImage(width: w, height: h, data: data, alpha: alpha ? (0..<n).map { Float($0 % 5) / 4 } : nil)
        let fmt = alpha ? AV_PIX_FMT_GBRAPF32LE : AV_PIX_FMT_GBRPF32LE
        let box = try PixelConverter.fromRGB(img, format: fmt, width: w, height: h)
        let back = try box.toRGB()
        let wrong = zip(back.data, img.data).filter { $0 != $1 }.count
        #expect(wrong == 0, "\(wrong) of \(img.data.count) values changed")
        let wrongAlpha = zip(back.alpha ?? [], img.alpha ?? []).filter { $0 != $1 }.count
        #expect((back.alpha == nil) == (img.alpha == nil) && wrongAlpha == 0, "\(wrongAlpha) alpha values changed")
    }

    @Test("EXIF orientations 1-8 map a 3x2 picture's corners where EXIF says")
    func orientations() {
        // Pixel values = index, so we can see where each source pixel lands.
        let w = 3, h = 2
        let data = (0..<(3 * w * h)).map { Float($0 % (w * h)) }
        let img = RGBImage(width: w, height: h, data: data)
        // Top-left output pixel per orientation: the source index EXIF places there.
        let expectTopLeft: [Int: Float] = [1: 0, 2: 2, 3: 5, 4: 3, 5: 0, 6: 3, 7: 5, 8: 2]
        for o in 1...8 {
            let out = Orientation.apply(o, to: img)
            #expect(out.width == (o >= 5 ? h : w))
            #expect(out.data[0] == expectTopLeft[o], "orientation \(o)")
        }
    }

    @Test("output plans follow extension and -f", arguments: [
        ("a.mp4", nil, "mp4", "libx264"), ("a.webm", nil, "webm", "libvpx-vp9"), ("a.gif", nil, "gif", "gif"),
        ("-", nil, "nut", "rawvideo"), ("-", "y4m", "yuv4mpegpipe", "wrapped_avframe"), ("f_%03d.png", nil, "image2", "png"),
        ("x.dat", "matroska", "matroska", "libx264"), ("o.jpg", nil, "image2", "mjpeg"),
    ] as [(String, String?, String, String)])
    func plans(_ path: String, _ format: String?, _ muxer: String, _ codec: String) throws {
        let plan = try OutputPlan(path: path, format: format, codec: nil)
        #expect(plan.muxer == muxer && plan.codec == codec)
    }
}
