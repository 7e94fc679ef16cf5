import Foundation
import Render
import SpectralVolume
import Testing

/// `FoldLimiter` (`render=unfold=...`): chaotic motion is smoothed until its fields stop folding;
/// smooth motion, and motion away from the chaos, is left exactly as it was.
@Suite struct FoldLimiterTests {
    static let size = 96

    /// A gentle sway (gradient bound ~0.3 px per px) everywhere, plus, when `chaos`, random
    /// coefficients of +-4 px in a 16x16 patch at (24, 24): fields that fold there.
    static func volume(chaos: Bool) throws -> SpectralVolume {
        let n = size * size
        var v = try SpectralVolume(frequencies: 4, width: size, height: size)
        var state: UInt64 = 7
        for y in 0..<size {
            for x in 0..<size {
                let i = y * size + x
                v.data[v.index(k: 1, axis: 0, y: y, x: x)] = 2 + sinf(Float(x) * 0.05)   // Re, k = 1, x axis
                v.data[v.partSize + 2 * n + i] = 1 + cosf(Float(y) * 0.05)               // Im, k = 1, y axis
                guard chaos, (24..<40).contains(x), (24..<40).contains(y) else { continue }
                for k in 1..<4 {
                    for axis in 0..<2 {
                        state = state &* 6364136223846793005 &+ 1442695040888963407
                        v.data[v.index(k: k, axis: axis, y: y, x: x)] += Float(state >> 40) / Float(1 << 24) * 8 - 4
                    }
                }
            }
        }
        return v
    }

    /// Pixels whose field has a negative Jacobian determinant, summed over `frames` times.
    static func foldedPixels(_ v: SpectralVolume, frames: Int = 12) -> Int {
        let n = size * size
        var fields = [Float](repeating: 0, count: frames * 2 * n)
        fields.withUnsafeMutableBufferPointer { v.evaluate(atFrames: (0..<frames).map { Double($0) * 12.5 }, into: $0) }
        var count = 0
        for t in 0..<frames {
            let f = t * 2 * n
            for y in 1..<(size - 1) {
                for x in 1..<(size - 1) {
                    let i = y * size + x
                    let a = (fields[f + i + 1] - fields[f + i - 1]) / 2, b = (fields[f + i + size] - fields[f + i - size]) / 2
                    let c = (fields[f + n + i + 1] - fields[f + n + i - 1]) / 2, d = (fields[f + n + i + size] - fields[f + n + i - size]) / 2
                    if (1 + a) * (1 + d) - b * c < 0 { count += 1 }
                }
            }
        }
        return count
    }

    @Test func smoothMotionIsLeftExactlyAsItWas() throws {
        let v = try Self.volume(chaos: false)
        #expect(FoldLimiter.gradientBound(v).max()! < 1)
        #expect(FoldLimiter.limited(v, onset: 1).data == v.data)
    }

    @Test func chaoticMotionStopsFoldingAndTheRestIsUntouched() throws {
        let v = try Self.volume(chaos: true)
        #expect(FoldLimiter.limited(v, onset: 0).data == v.data, "onset 0 is off")
        let limited = FoldLimiter.limited(v, onset: FoldLimiter.suggestedOnset)
        let before = Self.foldedPixels(v), after = Self.foldedPixels(limited)
        #expect(before > 300, "the fixture should fold: \(before) folded pixels")
        #expect(after * 5 < before, "folded pixels \(before) -> \(after)")
        #expect(FoldLimiter.gradientBound(limited).max()! < FoldLimiter.gradientBound(v).max()! / 2)
        // A pass changes only pixels within 5 px of where the bound exceeds the onset (1 px of
        // gradient, 2 * 2 of mask spreading), so after three passes everything 20 px or more
        // from the patch is bit-identical (rows 60..<96).
        let n = Self.size * Self.size
        for plane in 0..<(v.data.count / n) {
            for y in 60..<Self.size {
                for x in 0..<Self.size {
                    #expect(limited.data[plane * n + y * Self.size + x] == v.data[plane * n + y * Self.size + x])
                }
            }
        }
    }
}
