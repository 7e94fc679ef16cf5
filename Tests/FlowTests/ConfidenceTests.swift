import Flow
import Foundation
import Graph
import SpectralVolume
import Testing

@Suite("Motion confidence")
struct ConfidenceTests {
    /// Deterministic Gaussian noise (Box-Muller on a fixed LCG).
    struct Noise {
        var state: UInt64
        mutating func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) + 0.5) / Float(1 << 24)
        }
        mutating func gaussian() -> Float {
            let a = uniform(), b = uniform()
            return (-2 * log(a)).squareRoot() * cos(2 * Float.pi * b)
        }
    }

    /// A flat grey picture with noise of `sigma` grey levels.
    static func flat(width: Int, height: Int, level: Float = 60, sigma: Float, seed: UInt64) -> GrayImage {
        var noise = Noise(state: seed)
        return GrayImage(width: width, height: height, data: (0..<(width * height)).map { _ in level + sigma * noise.gaussian() })
    }

    @Test("the noise level of a flat noisy picture is its sigma; a clean one gets the floor")
    func noiseLevel() throws {
        let noisy = Self.flat(width: 160, height: 120, sigma: 4, seed: 1)
        #expect(abs(MotionConfidence.noiseLevel(of: noisy) - 4) < 0.4)
        let clean = Self.flat(width: 160, height: 120, sigma: 0, seed: 1)
        #expect(MotionConfidence.noiseLevel(of: clean) == MotionConfidence.noiseFloor)
        // Texture does not read as noise: the real still is mostly smooth at the pixel scale.
        #expect(MotionConfidence.noiseLevel(of: try Fixtures.smallStill()) < 3)
    }

    @Test("texture confidence: ~0 on flat noise, high on a real picture")
    func texture() throws {
        let flat = MotionConfidence.texture(of: Self.flat(width: 160, height: 120, sigma: 3, seed: 2))
        #expect(flat.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(flat.reduce(0, +) / Float(flat.count) < 0.05)
        let still = MotionConfidence.texture(of: try Fixtures.smallStill())
        let textured = Float(still.filter { $0 > 0.5 }.count) / Float(still.count)
        #expect(textured > 0.5, "\(textured) of the still is textured")
    }

    @Test("flow between two noisy flat frames is attenuated to ~0 motion")
    func flatNoiseMeasuresNoMotion() throws {
        let (w, h) = (128, 96)
        let i0 = Self.flat(width: w, height: h, sigma: 2, seed: 3)
        let estimator = try MotionEstimator(reference: i0, parameters: FlowParameters(.fast))
        var raw: Float = 0, attenuated: Float = 0, sum: Float = 0, count = 0
        for seed in 4..<8 {
            let field = try estimator.displacement(to: Self.flat(width: w, height: h, sigma: 2, seed: UInt64(seed)))
            let n = field.planeSize
            for i in 0..<n {
                let length = (field.data[i] * field.data[i] + field.data[n + i] * field.data[n + i]).squareRoot()
                raw = max(raw, length)
                attenuated = max(attenuated, length * estimator.textureConfidence[i])
                sum += length * estimator.textureConfidence[i]
                count += 1
            }
            // No texture: no camera shake is measured.
            #expect(estimator.lastShift == (0, 0))
        }
        let mean = sum / Float(count)
        #expect(mean < 0.03 && attenuated < 0.5, "attenuated displacement: mean \(mean) px, largest \(attenuated) px (raw: largest \(raw) px)")
    }

    @Test("apply scales every coefficient of a pixel by its confidence")
    func apply() throws {
        var volume = try SpectralVolume(frequencies: 2, width: 2, height: 1)
        volume.data = [Float](repeating: 2, count: volume.data.count)
        MotionConfidence.apply([0.5, 0], to: &volume)
        for k in 0..<2 {
            for axis in 0..<2 {
                #expect(volume.coefficient(k: k, axis: axis, y: 0, x: 0) == (1, 1))
                #expect(volume.coefficient(k: k, axis: axis, y: 0, x: 1) == (0, 0))
            }
        }
    }

    @Test("fill: a flat inside takes its textured rim's motion; far from texture motion is ~0")
    func fill() throws {
        // 60x40: a confident ring (c = 1) moving 4 px around a flat centre (c = 0), and a flat
        // right side (c = 0) whose measured motion is noise (7 px).
        let w = 60, h = 40
        var volume = try SpectralVolume(frequencies: 1, width: w, height: h)
        var confidence = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let inRing = x >= 4 && x < 24 && y >= 10 && y < 30
                let centre = x >= 8 && x < 20 && y >= 14 && y < 26
                confidence[y * w + x] = inRing && !centre ? 1 : 0
                let motion: Float = inRing ? 4 : (x >= 40 ? 7 : 0)
                volume.setCoefficient(k: 0, axis: 0, y: y, x: x, (motion, 0))
            }
        }
        var filled = volume
        MotionConfidence.fill(confidence, to: &filled)
        #expect(filled.coefficient(k: 0, axis: 0, y: 12, x: 6).re == 4, "a confident pixel keeps its motion")
        let centre = filled.coefficient(k: 0, axis: 0, y: 20, x: 14).re
        #expect(centre > 2 && centre <= 4.001, "the flat centre moves with its ring: \(centre)")
        let far = filled.coefficient(k: 0, axis: 0, y: 20, x: 55).re
        #expect(far < 0.05, "noise far from texture is dropped: \(far)")
        var scaled = volume
        MotionConfidence.apply(confidence, to: &scaled)
        #expect(scaled.coefficient(k: 0, axis: 0, y: 20, x: 14).re == 0, "scaling stops the centre (what fill avoids)")
    }

    @Test("the mode finds a still background's shift where the median follows a moving majority")
    func modeIgnoresMovingMajority() throws {
        let (w, h) = (100, 100)
        var noise = Noise(state: 9)
        var data = [Float](repeating: 0, count: 2 * w * h)
        for i in 0..<(w * h) {
            if i % w < 35 {
                data[i] = 0.6                      // background, shaken by (0.6, -0.3)
                data[w * h + i] = -0.3
            } else {
                data[i] = 3 + 1.2 * noise.gaussian()    // a flame: spread-out motion
                data[w * h + i] = -2 + 1.2 * noise.gaussian()
            }
        }
        let field = FlowField(width: w, height: h, data: data)
        var scratch: [Float] = []
        let mode = try #require(GlobalShift.mode(of: field, mask: nil, range: 3, scratch: &scratch))
        #expect(abs(mode.0 - 0.6) < 0.05 && abs(mode.1 + 0.3) < 0.05, "mode \(mode)")
        let median = GlobalShift.median(of: field, scratch: &scratch)
        #expect(abs(median.0 - 0.6) > 0.3, "median \(median)")
        // Only masked-in pixels vote; too few of them: nil.
        let none = [Bool](repeating: false, count: w * h)
        #expect(GlobalShift.mode(of: field, mask: none, range: 3, minimum: 10, scratch: &scratch) == nil)
        #expect(GlobalShift.median(of: field, mask: none, minimum: 10, scratch: &scratch) == nil)
    }
}
