import Foundation
import Graph
import SpectralVolume
import Testing

/// Motion measured from real video (optical flow -> spectral volume), and frame-interpolated slow
/// motion, through the real binary.
@Suite("Measured motion and interpolated slow motion")
struct MeasuredMotionTests {
    static let crane = Tool.sample("clips/crane-sway.mkv")
    static var fountain: String? { Tool.sharedData.map { "\($0)/clips/water__dyntex_fountain_trees.avi" } }

    /// RGB pictures of a rawvideo rgb24 stream.
    static func rgbFrames(_ data: Data, width: Int, height: Int) -> [[Float]] {
        let size = 3 * width * height
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - size + 1, by: size).map { o in bytes[o..<(o + size)].map { Float($0) } }
    }

    static func psnr(_ a: [Float], _ b: [Float]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.count)
        return 10 * log10(255 * 255 / max(mse, 1e-12))
    }

    static func meanAbs(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }

    /// RMS displacement over a period at every pixel: sqrt(2 sum_{k>=1} |S_k,x|^2 + |S_k,y|^2).
    static func amplitudes(_ v: SpectralVolume) -> [Double] {
        var out = [Double](repeating: 0, count: v.width * v.height)
        for y in 0..<v.height {
            for x in 0..<v.width {
                var power = 0.0
                for k in 1..<v.frequencies {
                    for axis in 0..<2 {
                        let c = v.coefficient(k: k, axis: axis, y: y, x: x)
                        power += Double(c.re * c.re + c.im * c.im)
                    }
                }
                out[y * v.width + x] = (2 * power).squareRoot()
            }
        }
        return out
    }

    /// Largest minus smallest luma (0...255) in the (2r+1)^2 window around each pixel of I0.
    static func localRange(_ image: RGBImage, radius r: Int) -> [Float] {
        let w = image.width, h = image.height, n = w * h
        let luma = (0..<n).map { 255 * (0.299 * image.data[$0] + 0.587 * image.data[n + $0] + 0.114 * image.data[2 * n + $0]) }
        var out = [Float](repeating: 0, count: n)
        for y in 0..<h {
            for x in 0..<w {
                var lo = Float.infinity, hi = -Float.infinity
                for yy in max(y - r, 0)...min(y + r, h - 1) {
                    for xx in max(x - r, 0)...min(x + r, w - 1) {
                        lo = min(lo, luma[yy * w + xx])
                        hi = max(hi, luma[yy * w + xx])
                    }
                }
                out[y * w + x] = hi - lo
            }
        }
        return out
    }

    @Test(.enabled(if: Tool.sharedData != nil, "needs ../shared/data (the DynTex fountain clip), absent in a fresh clone"))
    func fountainMotionIsHighOnTheJetAndNearZeroOnTheBackground() throws {
        let dir = try Tool.tempDir()
        let clip = try #require(Self.fountain)
        let r = try Tool.gid(["-i", clip, "-vf", "lavfi='scale=176:144',motion=window=2", "scene.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let scene = try MotionFile.read(from: "\(dir)/scene.gidm")
        #expect(scene.width == 176 && scene.height == 144 && scene.volume.frequencies == 16)
        #expect(abs(scene.volume.windowSeconds - 2) < 1e-9 && scene.volume.fps == 25)
        // Mask drawn once on the clip (Fixtures/fountain-mask.png): 255 fountain, 0 still background.
        let m = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Tool.fixture("fountain-mask.png"))) -f rawvideo -pix_fmt gray -", in: dir)
        let mask = [UInt8](m.stdout)
        try #require(mask.count == 176 * 144)
        var inside = (sum: 0.0, count: 0), outside = (sum: 0.0, count: 0)
        for (i, amplitude) in Self.amplitudes(scene.volume).enumerated() {
            switch mask[i] {
            case 255: inside = (inside.sum + amplitude, inside.count + 1)
            case 0: outside = (outside.sum + amplitude, outside.count + 1)
            default: break
            }
        }
        let a = inside.sum / Double(inside.count), b = outside.sum / Double(outside.count)
        #expect(a > 1, "fountain mean amplitude \(a) px")
        // With confidence: 2.70 vs 0.030 px (raw flow, confidence=0: 3.01 vs 0.60, 5x).
        #expect(a > 20 * b, "fountain \(a) px vs background \(b) px")
    }

    static var craneSky: String? { Tool.sharedData.map { "\($0)/clips/structure_sway__crane_crop_phasebased.mkv" } }

    @Test(.enabled(if: Tool.sharedData != nil, "needs ../shared/data (the phase-based crane clip), absent in a fresh clone"))
    func flatSkyMeasuresNoMotionWhileTheCraneMoves() throws {
        let dir = try Tool.tempDir()
        let clip = try #require(Self.craneSky)
        let r = try Tool.gid(["-i", clip, "-vf", "motion=window=2:preset=fast", "scene.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let scene = try MotionFile.read(from: "\(dir)/scene.gidm")
        let amplitude = Self.amplitudes(scene.volume)
        // Sky: blue, and flat over 11x11 (the flow there was 4.4 px of noise, 92% above 0.5 px,
        // before confidence). Crane: strong local contrast left of the building.
        let range = Self.localRange(scene.image, radius: 5)
        let img = scene.image, n = img.planeSize, w = img.width
        var sky: [Double] = [], crane: [Double] = []
        for i in 0..<n {
            let x = i % w, y = i / w
            if range[i] < 12, img.data[2 * n + i] > img.data[i] + 0.1 { sky.append(amplitude[i]) }
            if range[i] > 30, !(x > 238 && y > 95) { crane.append(amplitude[i]) }
        }
        try #require(sky.count > n / 2 && crane.count > n / 50, "sky \(sky.count), crane \(crane.count) of \(n) pixels")
        let skyMean = sky.reduce(0, +) / Double(sky.count), craneMean = crane.reduce(0, +) / Double(crane.count)
        let skyMoving = Double(sky.filter { $0 > 0.5 }.count) / Double(sky.count)
        #expect(skyMean < 0.05, "sky mean amplitude \(skyMean) px")
        #expect(skyMoving < 0.01, "\(skyMoving) of the sky above 0.5 px")
        #expect(craneMean > 5 * skyMean, "crane \(craneMean) px vs sky \(skyMean) px")
    }

    @Test func flatNoisyVideoMeasuresNoMotion() throws {
        let dir = try Tool.tempDir()
        // A grey picture with fresh noise in every frame (sigma ~ 9 grey levels): nothing moves. Raw
        // flow measures 9.1 px on average there; with confidence 0.015 px, at most 0.39 px.
        var r = try Tool.shell("ffmpeg -v error -f lavfi -i color=c=0x505050:s=96x80:r=25:d=1.2,noise=alls=16:allf=t -c:v ffv1 flat.mkv", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "flat.mkv", "-vf", "motion=window=1:k=4:preset=fast", "scene.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let amplitude = Self.amplitudes(try MotionFile.read(from: "\(dir)/scene.gidm").volume)
        let mean = amplitude.reduce(0, +) / Double(amplitude.count), top = amplitude.max() ?? 0
        #expect(mean < 0.05 && top < 1, "mean \(mean) px, largest \(top) px")
        // Raw flow (confidence=0) is what the option turns off: it must still run.
        r = try Tool.gid(["-i", "flat.mkv", "-vf", "motion=window=1:k=4:preset=fast:confidence=0", "raw.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func measuredLoopFromRealFootageHasNoSeam() throws {
        let dir = try Tool.tempDir()
        // The crane sample (CC0), 2 s window; two periods of the loop as rgb24.
        let r = try Tool.shell("\"$G\" -nostats -i \(Tool.quote(Self.crane)) -vf \"lavfi='scale=96:96',motion=window=2:preset=fast,loop=repeat=2\" -f nut -c:v rawvideo -pix_fmt rgb24 - | ffmpeg -v error -i - -f rawvideo -pix_fmt rgb24 -", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let frames = Self.rgbFrames(r.stdout, width: 96, height: 96)
        #expect(frames.count == 96)    // 2 periods of 48 frames at the clip's 24 fps
        let inner = (1..<frames.count).map { Self.meanAbs(frames[$0], frames[$0 - 1]) }.sorted()
        let typical = inner[inner.count / 2]
        let seam = Self.meanAbs(frames[0], frames[frames.count - 1])
        #expect(typical > 0)
        #expect(seam <= 1.5 * typical, "seam \(seam) vs median neighbour difference \(typical)")
    }

    @Test func measuredMotionFeedsMagnifySlowmoAndViz() throws {
        let dir = try Tool.tempDir()
        let input = ["-i", Self.crane]
        let graph = "lavfi='scale=64:64',motion=window=1.5:preset=fast"
        var r = try Tool.gid(input + ["-vf", graph + ",magnify=gain=3:band=0.2-2", "big.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("big.mp4", in: dir)["nb_read_frames"] == "36")
        r = try Tool.gid(input + ["-vf", graph + ",slowmo=4", "slow.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("slow.mp4", in: dir)["nb_read_frames"] == "144")
        // Help and list say that motion and slowmo take either kind.
        let list = String(decoding: try Tool.gid(["filters"], in: dir).stdout, as: UTF8.self)
        #expect(list.contains("frames|motion->motion") && list.contains("frames|motion->same"))
    }

    @Test(.enabled(if: Tool.sharedData != nil, "needs ../shared/data (the DynTex fountain clip), absent in a fresh clone"))
    func interpolatedSlowMotionBeatsFrameBlending() throws {
        let dir = try Tool.tempDir()
        let clip = try #require(Self.fountain)
        let (w, h) = (176, 144)
        // 13 real frames; every other one dropped, then put back by each tool.
        let o = try Tool.shell("ffmpeg -v error -i \(Tool.quote(clip)) -vf scale=\(w):\(h) -frames:v 13 -f rawvideo -pix_fmt rgb24 -", in: dir)
        let originals = Self.rgbFrames(o.stdout, width: w, height: h)
        try #require(originals.count == 13)
        let kept = stride(from: 0, to: 13, by: 2).flatMap { originals[$0].map { UInt8($0) } }
        let d = try Tool.shell("ffmpeg -v error -f rawvideo -pix_fmt rgb24 -s \(w)x\(h) -r 25 -i - -c:v rawvideo -pix_fmt yuv444p -f nut half.nut", in: dir, stdin: Data(kept))
        #expect(d.status == 0, "\(d.stderr)")
        let ours = try Tool.shell("\"$G\" -nostats -i half.nut -vf slowmo=2 -f nut -c:v rawvideo -pix_fmt rgb24 - | ffmpeg -v error -i - -f rawvideo -pix_fmt rgb24 -", in: dir)
        #expect(ours.status == 0, "\(ours.stderr)")
        let blend = try Tool.shell("ffmpeg -v error -i half.nut -vf framerate=fps=50 -f rawvideo -pix_fmt rgb24 -", in: dir)
        let a = Self.rgbFrames(ours.stdout, width: w, height: h), b = Self.rgbFrames(blend.stdout, width: w, height: h)
        #expect(a.count == 13)
        try #require(a.count >= 12 && b.count >= 12)
        // Output frame j shows original frame j; the odd ones were made.
        let made = Array(stride(from: 1, to: 12, by: 2))
        let ourPSNR = made.map { Self.psnr(a[$0], originals[$0]) }.reduce(0, +) / Double(made.count)
        let blendPSNR = made.map { Self.psnr(b[$0], originals[$0]) }.reduce(0, +) / Double(made.count)
        #expect(ourPSNR > blendPSNR + 0.5, "slowmo \(ourPSNR) dB vs framerate blending \(blendPSNR) dB")
        // Kept frames pass through (only the yuv444p round trip).
        #expect(Self.psnr(a[4], originals[4]) > 40)
    }

    @Test func badInputsGiveOneClearLine() throws {
        let dir = try Tool.tempDir()
        // Three pictures, the second a different size.
        var r = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.crane)) -frames:v 3 -vf scale=64:64 f_%02d.png && ffmpeg -v error -i f_02.png -vf scale=48:48 g.png && mv g.png f_02.png", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let cases: [([String], Int32, String)] = [
            (["-i", "f_%02d.png", "-vf", "motion=window=0.12:k=2", "x.gidm"], 3, "frames of different sizes"),
            (["-i", "f_%02d.png", "-vf", "slowmo=2", "x.mp4"], 3, "frames of different sizes"),
            (["-i", "f_01.png", "-vf", "motion=model=nope.safetensors,loop=seconds=2", "x.mp4"], 3, "nope.safetensors"),
            (["-i", "f_01.png", "-vf", "slowmo=2", "x.mp4"], 2, "single picture"),
            (["-i", Self.crane, "-vf", "motion=window=20", "x.mp4"], 2, "window=20 s is longer than the clip"),
            (["-i", Self.crane, "-vf", "motion=start=8.5:window=1", "x.mp4"], 2, "give window="),
            (["-i", Self.crane, "-vf", "motion=window=0.2", "x.mp4"], 2, "lower k="),
            (["-i", Self.crane, "-vf", "motion=ref=input", "x.mp4"], 2, "frame index within the window"),
        ]
        for (args, status, text) in cases {
            r = try Tool.gid(args, in: dir)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderrLines.count == 1 && r.stderr.contains(text), "\(args): \(r.stderr)")
        }
        // A pipe has no duration up front: the short clip is found at the end, still one clear line.
        r = try Tool.shell("ffmpeg -v error -i \(Tool.quote(Self.crane)) -frames:v 10 -vf scale=32:32 -c:v rawvideo -f nut - | \"$G\" -f nut -i - -vf motion=window=1:k=2 x.gidm", in: dir)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains("the clip has only"), "\(r.stderr)")
        #expect(!Tool.files(dir).contains("x.gidm") && !Tool.files(dir).contains("x.mp4"))
    }
}
