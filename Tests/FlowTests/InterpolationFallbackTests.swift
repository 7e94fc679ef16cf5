import Foundation
@testable import Flow
import Graph
import Testing

/// The per-pixel fall-back of frame interpolation toward the plain blend, and its limit for far moves.
@Suite("Frame interpolation fall-back")
struct InterpolationFallbackTests {
    /// The made pixel at t = 0.5 for A = 0.8, B = 0.2 (grey), where the two splats landed colour
    /// 0.9 with a warp error as large as the frames' difference, moved `length` px with the flows'
    /// round trip missing by `miss` px.
    static func gathered(length: Float, fallbackMotion: Float = 4, miss: Float = 0, consistency: Float = 1) -> Float {
        let a: [Float] = [0.8, 0.8, 0.8], b: [Float] = [0.2, 0.2, 0.2]
        let reach = FrameInterpolator.reach(lengthSquared: length * length, missSquared: miss * miss, consistency: consistency)
        let landed = SIMD8<Float>(0.9, 0.9, 0.9, 1, 0.6, reach, 0, 0)
        var acc0 = [landed], acc1 = [landed], out = [Float](repeating: 0, count: 3)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
        acc0.withUnsafeMutableBufferPointer { p0 in acc1.withUnsafeMutableBufferPointer { p1 in
        out.withUnsafeMutableBufferPointer { po in
            let kernel = GatherKernel(width: 1, height: 1, t: 0.5, fallback: 1.5, threshold: 0, fallbackMotion: fallbackMotion,
                                      a: pa.baseAddress!, b: pb.baseAddress!, acc0: p0.baseAddress!,
                                      acc1: p1.baseAddress!, out: po.baseAddress!)
            kernel.rows(0, 1)
        }}}}}
        return out[0]
    }

    @Test func aShortMoveThatTheWarpDoesNotExplainTakesTheBlend() {
        // Warp error / plain difference = 1: the blend (0.5) replaces the warp (0.9) entirely.
        #expect(abs(Self.gathered(length: 0) - 0.5) < 0.01)
        #expect(abs(Self.gathered(length: 1) - 0.5) < 0.04)
    }

    @Test func aFarMoveKeepsTheWarpRatherThanADoubleImage() {
        // 20 px: the share falls to 1 / (1 + 5^2); a blend of places that far apart is two ghosts.
        let far = Self.gathered(length: 20)
        #expect(abs(far - (0.9 - 0.4 / 26)) < 0.005, "\(far)")
        // At the limit's length the share is halved.
        #expect(abs(Self.gathered(length: 4) - 0.7) < 0.005)
        // With the limit off the far move is blended like a short one.
        #expect(abs(Self.gathered(length: 20, fallbackMotion: 0) - 0.5) < 0.01)
    }

    @Test func aFarMoveWhoseFlowsDisagreeIsBlendedAfterAll() {
        // The two flows' round trip misses by 4 px: the warp itself is doubtful, the reach is
        // 400 / (1 + 16): share 1 / (1 + 25 / 17).
        let doubtful = Self.gathered(length: 20, miss: 4)
        #expect(abs(doubtful - (0.9 - 0.4 / (1 + 25.0 / 17))) < 0.005, "\(doubtful)")
        #expect(doubtful < Self.gathered(length: 20) - 0.1)
        // A round trip within a fraction of a pixel keeps the limit nearly whole.
        #expect(abs(Self.gathered(length: 20, miss: 0.1) - Self.gathered(length: 20)) < 0.01)
        // consistency 0 ignores the miss.
        #expect(Self.gathered(length: 20, miss: 4, consistency: 0) == Self.gathered(length: 20))
    }
}

@Suite("Frame interpolation of pictures smaller than a flow patch")
struct TinyPictureInterpolationTests {
    @Test("made frames are the plain blend (no motion can be measured), at any t and size", arguments: [(1, 1), (6, 4), (16, 2), (2, 16)])
    func tinyPicturesBlend(width: Int, height: Int) throws {
        let a = Fixtures.noise(width: width, height: height, seed: 7), b = Fixtures.noise(width: width, height: height, seed: 8)
        let interpolator = FrameInterpolator()
        try interpolator.prepare(from: a, to: b)
        for t: Float in [0.25, 0.5, 0.75] {
            let made = try interpolator.frame(at: t)
            var worst: Float = 0
            for i in 0..<made.data.count {
                let blend = (1 - t) * a.data[i] + t * b.data[i]
                worst = max(worst, abs(made.data[i] - blend))
            }
            #expect(worst < 1e-5, "\(width)x\(height) t \(t): \(worst)")
        }
    }
}

@Suite("Frame interpolation of held frames")
struct HeldFrameInterpolationTests {
    @Test("two identical pictures: every made frame is that picture exactly, the flows are zero")
    func heldFramesAreExact() throws {
        let a = Fixtures.noise(width: 40, height: 24, seed: 11)
        let interpolator = FrameInterpolator()
        try interpolator.prepare(from: a, to: a)
        for t: Float in [0.1, 0.5, 0.9] { #expect(try interpolator.frame(at: t).data == a.data) }
        #expect(interpolator.flows.forward.data.allSatisfy { $0 == 0 })
        #expect(interpolator.flows.forward.width == 40)
    }
}

@Suite("Frame interpolation across a scene cut")
struct SceneCutInterpolationTests {
    /// A 64x48 picture from a function of (x, y) in 0...1, the same in all three channels.
    static func picture(_ f: (Float, Float) -> Float) -> RGBImage {
        let plane = (0..<(64 * 48)).map { i in f(Float(i % 64) / 63, Float(i / 64) / 47) }
        return RGBImage(width: 64, height: 48, data: plane + plane + plane)
    }

    @Test("a pair unrelated to the one before makes the nearer picture, exactly; the first pair is never a cut")
    func cutMakesTheNearerPicture() throws {
        let p = Self.picture { x, y in 0.5 + 0.4 * sin(6 * x + 3 * y) }
        let moved = Self.picture { x, y in 0.5 + 0.4 * sin(6 * (x - 1.0 / 63) + 3 * y) }
        let other = Self.picture { x, y in 0.9 - 0.8 * x * y }
        let movedAgain = Self.picture { x, y in 0.5 + 0.4 * sin(6 * (x - 4.0 / 63) + 3 * y) }  // 3 px further: a larger difference
        let interpolator = FrameInterpolator()
        for frame in [p, moved, movedAgain] { try interpolator.advance(to: frame) }
        // Motion within a scene, after a pair to compare with, is interpolated, not cut.
        let between = try interpolator.frame(at: 0.5)
        #expect(between.data != moved.data && between.data != movedAgain.data)
        try interpolator.advance(to: other)
        #expect(try interpolator.frame(at: 0.25).data == movedAgain.data)
        #expect(try interpolator.frame(at: 0.75).data == other.data)
        // Without the rule the made frame is a mix of the two scenes.
        interpolator.sceneCut = 0
        try interpolator.prepare(from: moved, to: moved)
        try interpolator.advance(to: other)
        let mixed = try interpolator.frame(at: 0.5)
        #expect(mixed.data != moved.data && mixed.data != other.data)
        // A first pair has nothing to compare with: it is interpolated.
        let first = FrameInterpolator()
        try first.prepare(from: moved, to: other)
        let made = try first.frame(at: 0.5)
        #expect(made.data != moved.data && made.data != other.data)
    }
}
