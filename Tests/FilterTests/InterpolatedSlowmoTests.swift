import Foundation
import Graph
import SlowmoFilter
import SpectralVolume
import Testing

/// `slowmo` on frames: interpolation of a real picture in known motion, and output timing.
@Suite("Interpolated slow motion")
struct InterpolatedSlowmoTests {
    /// The sample picture (bigger than needed) cropped to w x h at horizontal offset `dx` (whole pixels).
    static func view(_ big: RGBImage, dx: Int, width w: Int, height h: Int) -> RGBImage {
        var out = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w { out[c * w * h + y * w + x] = big.data[c * big.planeSize + y * big.width + x + dx] }
            }
        }
        return RGBImage(width: w, height: h, data: out)
    }

    static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        let mse = zip(a.data, b.data).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.data.count)
        return 10 * log10(1 / max(mse, 1e-12))
    }

    /// Runs slowmo (frames in) on `pictures` at 10 fps and returns what comes out.
    static func slowmo(_ graph: String, _ pictures: [RGBImage]) throws -> (frames: [Frame], info: StreamInfo) {
        let input = StreamInfo(width: pictures[0].width, height: pictures[0].height, timeBase: Rational(1, 10),
                               frameRate: Rational(10, 1), frameCount: pictures.count, duration: Double(pictures.count) / 10)
        let chain = try FilterChain(registry: testRegistry, graph: graph, input: input)
        var out: [Frame] = []
        let keep: Emit = { item in if case .frame(let f) = item { out.append(f) } }
        for (i, p) in pictures.enumerated() { try chain.push(.frame(Frame(p, pts: Int64(i), duration: 1, timeBase: Rational(1, 10))), emit: keep) }
        try chain.finish(emit: keep)
        return (out, chain.output)
    }

    @Test func halfwayFrameOfAPanMatchesTheRealHalfwayView() throws {
        // The camera pans 6 px over the real sample picture; the middle frame is the 3 px view.
        let big = try samplePicture(width: 200, height: 96)
        let (w, h) = (160, 96)
        let a = Self.view(big, dx: 20, width: w, height: h), b = Self.view(big, dx: 26, width: w, height: h)
        let truth = Self.view(big, dx: 23, width: w, height: h)
        let (frames, info) = try Self.slowmo("slowmo=2", [a, b])
        #expect(frames.count == 3 && info.kind == .frames && info.frameCount == 3)
        let made = try frames[1].rgb()
        // Border columns see content that enters the picture: judge the inside.
        func inner(_ p: RGBImage) -> RGBImage { Self.view(p, dx: 8, width: w - 16, height: h) }
        let blend = RGBImage(width: w, height: h, data: zip(a.data, b.data).map { ($0 + $1) / 2 })
        let ours = Self.psnr(inner(made), inner(truth)), blended = Self.psnr(inner(blend), inner(truth))
        #expect(ours > 30, "interpolated \(ours) dB")
        #expect(ours > blended + 8, "interpolated \(ours) dB vs blended \(blended) dB")
    }

    @Test func timestampsAreNTimesTheInputsAtTheSameRate() throws {
        let p = try samplePicture(width: 48, height: 32)
        let (frames, info) = try Self.slowmo("slowmo=4", [p, p, p])
        #expect(frames.map(\.pts) == Array(0...8).map(Int64.init))
        #expect(frames.allSatisfy { $0.timeBase == Rational(1, 10) && $0.duration == 1 })
        #expect(info.frameRate == Rational(10, 1) && info.frameCount == 9 && abs((info.duration ?? 0) - 1.2) < 1e-9)
        // Frames that land on an input frame are that frame, unchanged.
        #expect(maxAbsDifference(try frames[4].rgb().data, p.data) == 0)
        // A fractional factor keeps the input's clock: 2.5 x gives output frames at 0, 0.4, 0.8, ...
        let (fractional, _) = try Self.slowmo("slowmo=2.5", [p, p, p])
        #expect(fractional.count == 6)
    }

    @Test func framesOfDifferentSizesAreRefused() throws {
        let a = try samplePicture(width: 48, height: 32), b = try samplePicture(width: 40, height: 32)
        let error = #expect(throws: GIDError.self) { try Self.slowmo("slowmo=2", [a, b]) }
        #expect(error?.kind == .input && error?.message.contains("frames of different sizes") == true)
    }

    @Test func aStillSceneInterpolatesToItself() throws {
        // Both splats land where they started and carry the same colours: the pair's own picture.
        let p = try samplePicture(width: 96, height: 64)
        let (frames, _) = try Self.slowmo("slowmo=4", [p, p])
        #expect(frames.count == 5)
        for k in 1...3 { #expect(maxAbsDifference(try frames[k].rgb().data, p.data) < 2e-3) }
    }

    @Test func unrelatedPicturesStayBoundedAndLeanTowardTheBlend() throws {
        // Independent noise: no flow explains the change. The splat normalisation must not blow up,
        // and the fall-back pulls the made frame toward the plain blend (partly: bilinear sampling
        // of noise lowers the warp error below the plain difference, so the fall-back is not full).
        var seed: UInt64 = 7
        func noise(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(seed >> 40) / Float(1 << 24)
            }
        }
        let (w, h) = (64, 48)
        let a = RGBImage(width: w, height: h, data: noise(3 * w * h)), b = RGBImage(width: w, height: h, data: noise(3 * w * h))
        let (frames, _) = try Self.slowmo("slowmo=2", [a, b])
        let blend = RGBImage(width: w, height: h, data: zip(a.data, b.data).map { ($0 + $1) / 2 })
        let made = try frames[1].rgb()
        #expect(made.data.allSatisfy { $0.isFinite && $0 >= -0.01 && $0 <= 1.01 })
        #expect(Self.psnr(made, blend) > Self.psnr(a, blend), "made \(Self.psnr(made, blend)) dB vs A \(Self.psnr(a, blend)) dB from the blend")
    }
}
