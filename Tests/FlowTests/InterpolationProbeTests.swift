import Foundation
import Graph
import MediaIO
import Testing
@testable import Flow

/// The automatic flow size's probe: a pair measured at the automatic size and at twice that, the
/// finer kept only where its warp explains the pair clearly better.
@Suite("Frame interpolation: flow size probe")
struct InterpolationProbeTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/clips")

    /// The first `count` frames of a sample clip as float RGB.
    static func frames(_ name: String, count: Int) throws -> [RGBImage] {
        let reader = try MediaReader(path: samples.appendingPathComponent(name).path)
        var out: [RGBImage] = []
        while out.count < count, let f = try reader.nextFrame() { out.append(try f.rgb()) }
        return out
    }

    static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        let mse = zip(a.data, b.data).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.data.count)
        return 10 * log10(1 / max(mse, 1e-12))
    }

    @Test("a cartoon's sharp edges need the finer flow: it is kept, and the made frame is closer to the real one")
    func cartoonKeepsTheFinerFlow() throws {
        // Big Buck Bunny, 1280x720: the automatic flow size is 160x90. Frames 0 and 2 make frame 1.
        let f = try Self.frames("bbb-with-audio.mp4", count: 3)
        let probing = FrameInterpolator(preset: .medium)
        try probing.prepare(from: f[0], to: f[2])
        #expect(probing.flowSize == (320, 180))
        let fixed = FrameInterpolator(preset: .medium)
        fixed.probeInterval = 0
        try fixed.prepare(from: f[0], to: f[2])
        #expect(fixed.flowSize == (160, 90))
        let finer = Self.psnr(try probing.frame(at: 0.5), f[1]), coarser = Self.psnr(try fixed.frame(at: 0.5), f[1])
        #expect(finer > coarser, "made frame \(finer) dB with the finer flow, \(coarser) dB without")
    }

    @Test("where the finer flow explains no more (a swaying crane), the automatic size stays")
    func craneStaysCoarse() throws {
        let f = try Self.frames("crane-sway.mkv", count: 2)
        let interpolator = FrameInterpolator(preset: .medium)
        try interpolator.prepare(from: f[0], to: f[1])
        #expect(interpolator.flowSize == (140, 140))
    }

    @Test("probes come probeInterval pairs apart, twice as far after one that kept the automatic size; choices hold in between")
    func probeSchedule() throws {
        let f = try Self.frames("crane-sway.mkv", count: 12)
        let interpolator = FrameInterpolator(preset: .medium)
        interpolator.probeInterval = 3
        var sizes: [Int] = []
        for (k, frame) in f.enumerated() {
            // Pair k is made when frame k + 1 arrives. Probes: pair 0 (the finer size wins), pair 3
            // (it loses), then not pair 6 but pair 9 (it wins again).
            if k == 1 { interpolator.probeGain = 100 }
            if k == 4 { interpolator.probeGain = 0 }
            if k == 7 { interpolator.probeGain = 100 }
            if try interpolator.advance(to: frame) { sizes.append(interpolator.flowSize.width) }
        }
        #expect(sizes == [280, 280, 280, 140, 140, 140, 140, 140, 140, 280, 280])
        // Held frames (a pair of identical pictures) measure nothing; a probe due on one comes
        // with the next pair that moves.
        let held = FrameInterpolator(preset: .medium)
        held.probeGain = 100
        var heldSizes: [Int] = []
        for frame in [f[0], f[0], f[1]] {
            if try held.advance(to: frame) { heldSizes.append(held.flowSize.width) }
        }
        #expect(heldSizes == [0, 280])
        // An explicit flow size is never probed.
        let fixed = FrameInterpolator(preset: .medium, flowScale: 0)
        fixed.probeGain = 0
        try fixed.prepare(from: f[0], to: f[1])
        #expect(fixed.flowSize == (280, 280))
    }
}
