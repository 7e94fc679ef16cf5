import Foundation
import SpectralVolume
import Testing

/// The real gid-filter binary on a shipped still: motion predicted in Swift, rendered, encoded
/// by libav's x264 and decoded again by ffmpeg.
@Suite("Prior through the command line", .serialized)
struct CLIPriorTests {
    /// The tiny prior of Training/tests (fast in a debug build).
    static let tinyModel = Tool.root.appendingPathComponent("Training/tests/fixtures/gid-prior-tiny.safetensors").path

    static func gid(_ args: [String], in dir: String, env: [String: String] = [:]) throws -> Tool.Result {
        try Tool.gid(args, in: dir, env: env)
    }

    static func ffmpeg(_ args: [String], in dir: String) throws -> Tool.Result {
        try Tool.shell((["ffmpeg", "-v", "error", "-nostdin"] + args).map(Tool.quote).joined(separator: " "), in: dir)
    }

    static func tempDir() throws -> String { try Tool.tempDir() }

    /// A shipped still scaled down (the render of a debug build is slow at full size).
    static func smallStill(in dir: String, width: Int, height: Int) throws -> String {
        let r = try ffmpeg(["-i", Tool.sample("stills/bythewater.jpg"), "-vf", "scale=\(width):\(height)", "still.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        return "still.png"
    }

    /// Decoded frames of a video as luma planes (gray, 8 bit).
    static func frames(_ file: String, in dir: String, width: Int, height: Int) throws -> [[UInt8]] {
        let r = try ffmpeg(["-i", file, "-f", "rawvideo", "-pix_fmt", "gray", "-"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let n = width * height
        let bytes = [UInt8](r.stdout)
        return stride(from: 0, to: bytes.count - n + 1, by: n).map { Array(bytes[$0..<($0 + n)]) }
    }

    /// Mean |a - b| over the pixels where `mask` holds.
    static func meanDiff(_ a: [UInt8], _ b: [UInt8], _ mask: [Bool]) -> Double {
        var s = 0.0, n = 0
        for i in a.indices where mask[i] { s += abs(Double(a[i]) - Double(b[i])); n += 1 }
        return n > 0 ? s / Double(n) : 0
    }

    @Test("still -> motion,loop -> MP4: 150 frames that move where the prior predicts motion and loop without a seam")
    func stillToLoop() throws {
        let dir = try Self.tempDir()
        let (W, H) = (256, 160)
        let still = try Self.smallStill(in: dir, width: W, height: H)
        // motionsave keeps the predicted scene, so the test knows where the prior put motion.
        // x264 lossless (-crf 0): at the default CRF the I-frame's coding noise against the last
        // P-frame (~2.8 grey levels here) would hide the seam being measured (~0.7).
        let r = try Self.gid(["-i", still, "-vf", "motion=steps=10:seed=1,motionsave=scene.gidm,loop=seconds=5", "-crf", "0", "out.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let video = try Self.frames("out.mp4", in: dir, width: W, height: H)
        #expect(video.count == 150, "frames: \(video.count)")
        guard video.count == 150 else { return }

        let scene = try MotionFile.read(from: dir + "/scene.gidm")
        #expect(scene.width == W && scene.height == H && scene.volume.frequencies == 16)
        #expect(scene.volume.source.hasPrefix("prior:gid-prior-default.safetensors seed=1"))
        // Per-pixel amplitude 2 sqrt(sum_{k>=1} |S_k|^2) (Training/gidm.py amplitude), in pixels.
        let v = scene.volume, plane = W * H
        var amp = [Double](repeating: 0, count: plane)
        for k in 1..<v.frequencies {
            for axis in 0..<2 {
                for i in 0..<plane {
                    let (re, im) = (Double(v.real[v.real.startIndex + (k * 2 + axis) * plane + i]),
                                    Double(v.imag[v.imag.startIndex + (k * 2 + axis) * plane + i]))
                    amp[i] += re * re + im * im
                }
            }
        }
        amp = amp.map { 2 * $0.squareRoot() }
        let sorted = amp.sorted()
        let high = sorted[plane * 9 / 10], low = sorted[plane / 2]
        #expect(high > 0.3, "the prior predicts some motion: 90th percentile amplitude \(high) px")
        let moving = amp.map { $0 >= high }, calm = amp.map { $0 <= low }

        // Where the prior predicts motion, frames drift away from the first by a clear margin;
        // where it predicts the least, much less.
        let far = (1..<150).map { Self.meanDiff(video[$0], video[0], moving) }.max() ?? 0
        let farStill = (1..<150).map { Self.meanDiff(video[$0], video[0], calm) }.max() ?? 0
        #expect(far > 2, "moving pixels change by \(far) grey levels at most")
        #expect(far > 2 * farStill, "moving \(far) against still \(farStill)")

        // The seam (last -> first) is like any other step between neighbouring frames.
        let all = [Bool](repeating: true, count: plane)
        let steps = (1..<150).map { Self.meanDiff(video[$0], video[$0 - 1], all) }
        let seam = Self.meanDiff(video[149], video[0], all)
        let typical = steps.sorted()[steps.count / 2], largest = steps.max() ?? 0
        #expect(typical > 0.05, "neighbouring frames differ: median \(typical)")
        #expect(seam <= 2 * typical, "seam \(seam) against steps: median \(typical), max \(largest)")
        #expect(seam < far / 2, "seam \(seam) against the largest drift \(far)")
    }

    @Test("loop alone on a still inserts motion, which predicts (model from GID_PRIOR_MODEL)")
    func loopAloneAndEnvironment() throws {
        let dir = try Self.tempDir()
        let still = try Self.smallStill(in: dir, width: 64, height: 40)
        let tiny = Self.tinyModel
        let r = try Self.gid(["-loglevel", "verbose", "-i", still, "-vf", "loop=seconds=5", "-f", "nut", "-c:v", "rawvideo", "out.nut"],
                             in: dir, env: ["GID_PRIOR_MODEL": tiny])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("auto_motion") && r.stderr.contains("motion predicted by the diffusion prior \(tiny)"), "\(r.stderr)")
        #expect(try Self.frames("out.nut", in: dir, width: 64, height: 40).count == 150)
    }

    @Test("predict writes a .gidm; the same seed gives the same file")
    func predictIsDeterministic() throws {
        let dir = try Self.tempDir()
        let still = try Self.smallStill(in: dir, width: 64, height: 40)
        for name in ["a.gidm", "b.gidm"] {
            let r = try Self.gid(["-i", still, "-vf", "predict=steps=3:seed=4:model=\(Self.tinyModel)", name], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.gidm"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b.gidm"))
        #expect(a.count > 10_000 && a == b)
    }

    @Test("a missing or corrupt model: one stderr line naming the file, exit 3, no output", arguments: ["missing", "corrupt"])
    func badModel(_ kind: String) throws {
        let dir = try Self.tempDir()
        let still = try Self.smallStill(in: dir, width: 64, height: 40)
        let model = dir + "/bad.safetensors"
        if kind == "corrupt" { try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: model)) }
        let r = try Self.gid(["-i", still, "-vf", "motion=model=\(model),loop=seconds=5", "out.mp4"], in: dir)
        #expect(r.status == 3, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.contains(model), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.mp4"))
        // The same through the environment variable.
        let e = try Self.gid(["-i", still, "-vf", "loop=seconds=5", "-y", "out.mp4"], in: dir, env: ["GID_PRIOR_MODEL": model])
        #expect(e.status == 3 && e.stderr.contains(model), "\(e.stderr)")
    }
}
