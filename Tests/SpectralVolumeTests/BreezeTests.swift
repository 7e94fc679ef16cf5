import Foundation
import Graph
import Testing
@testable import SpectralVolume

/// The breeze: random forces on the modal basis, checked against the driven damped oscillator.
@Suite("Breeze and mode shapes")
struct BreezeTests {
    /// One smooth mode (bin 2 of a 2 s window: 1 Hz) swaying the whole picture in x.
    static func oneMode(width: Int = 24, height: Int = 16) throws -> SpectralVolume {
        var v = try SpectralVolume(frequencies: 4, width: width, height: height, fps: 30, windowSeconds: 2)
        for y in 0..<height { for x in 0..<width { v.setCoefficient(k: 2, axis: 0, y: y, x: x, (1, 0)) } }
        return v
    }

    /// Re q_2(t) at the given times (the basis row's real slot for bin 2).
    static func coordinate(_ b: Dynamics.Breeze, _ v: SpectralVolume, times: [Double]) throws -> [Double] {
        let rows = try Dynamics(breeze: b).basis(volume: v, seconds: times)
        return times.indices.map { Double(rows[$0 * 2 * v.frequencies + 2]) }
    }

    @Test func zeroStrengthLeavesThePictureStill() throws {
        let v = try DynamicsTests.volume()
        let rows = try Dynamics(breeze: .init(strength: 0, gust: 1, seed: 3)).basis(volume: v, seconds: [0, 0.5, 7, 30])
        #expect(rows.allSatisfy { $0 == 0 })
    }

    @Test func theSameSeedGivesTheSameWindAndAnotherSeedAnother() throws {
        let v = try DynamicsTests.volume()
        let times = stride(from: 0.0, to: 20, by: 0.37).map { $0 }
        let a = try Dynamics(breeze: .init(seed: 5)).basis(volume: v, seconds: times)
        let b = try Dynamics(breeze: .init(seed: 5)).basis(volume: v, seconds: times)
        let c = try Dynamics(breeze: .init(seed: 6)).basis(volume: v, seconds: times)
        #expect(a == b)
        #expect(a != c)
        // Asked in any order, or in pieces, the rows are the same (the simulation restarts).
        let player = try DynamicsPlayer(Dynamics(breeze: .init(seed: 5)), volume: v)
        let late = player.basis(seconds: Array(times.suffix(10)))
        let early = player.basis(seconds: Array(times.prefix(times.count - 10)))
        #expect(early + late == a)
    }

    /// A damped oscillator driven by white noise has the autocorrelation of its own released
    /// response: R(tau) / R(0) = e^(-zeta w tau) (cos w_d tau + zeta w / w_d sin w_d tau), and
    /// variance (2 weight strength)^2 / 2 per part with the breeze's noise intensity.
    @Test func theForcedResponseMatchesTheDrivenOscillator() throws {
        let v = try Self.oneMode()
        let breeze = Dynamics.Breeze(strength: 1, gust: 0, seed: 11, decay: 1.5)
        let dt = 1.0 / 30
        let times = (0..<Int(3000 / dt)).map { Double($0) * dt }
        let q = try Self.coordinate(breeze, v, times: times)
        let weight = ModeShapes(raw: v).weights[2]
        let variance = q.map { $0 * $0 }.reduce(0, +) / Double(q.count)
        // a = 2 weight (the loop's |q| is 2): each part's variance a^2 / 2.
        #expect(abs(variance / (2 * weight * weight) - 1) < 0.1, "variance \(variance), want \(2 * weight * weight)")
        let omega = 2 * Double.pi * 1.0, zeta = 1 / (1.5 * omega), wd = omega * (1 - zeta * zeta).squareRoot()
        for lag in [6, 12, 15, 24, 45] {
            let tau = Double(lag) * dt
            let r = zip(q, q.dropFirst(lag)).map { $0 * $1 }.reduce(0, +) / Double(q.count - lag) / variance
            let want = exp(-zeta * omega * tau) * (cos(wd * tau) + zeta * omega / wd * sin(wd * tau))
            #expect(abs(r - want) < 0.06, "lag \(tau) s: autocorrelation \(r), want \(want)")
        }
    }

    @Test func gustsMakeTheSwingVaryAndDirectionPicksTheModes() throws {
        let v = try Self.oneMode()
        let times = stride(from: 0.0, to: 600, by: 0.05).map { $0 }
        func envelopeSpread(_ gust: Double) throws -> Double {
            let q = try Self.coordinate(.init(strength: 1, gust: gust, seed: 2), v, times: times)
            // Mean square over 10 s windows: how much the swing's size changes over time.
            let windows = stride(from: 0, to: q.count - 200, by: 200).map { i in q[i..<(i + 200)].map { $0 * $0 }.reduce(0, +) / 200 }
            let mean = windows.reduce(0, +) / Double(windows.count)
            return (windows.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(windows.count)).squareRoot() / mean
        }
        #expect(try envelopeSpread(1) > 1.5 * envelopeSpread(0))
        // The mode moves along x: a wind along x drives it by sqrt(2), across it not at all.
        let shapes = ModeShapes(raw: v)
        #expect(abs(shapes.directionFactor(bin: 2, degrees: 0) - 2.0.squareRoot()) < 1e-9)
        #expect(shapes.directionFactor(bin: 2, degrees: 90) < 1e-9)
        let across = try Self.coordinate(.init(strength: 1, direction: 90, seed: 2), v, times: Array(times.prefix(100)))
        #expect(across.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func noisyModesWeighLittleAndSmoothOnesNearlyAll() throws {
        var v = try SpectralVolume(frequencies: 3, width: 64, height: 48, fps: 30, windowSeconds: 2)
        var random = SeededRandom(seed: 4)
        for y in 0..<48 {
            for x in 0..<64 {
                // Bin 1: a sway over the whole width; bin 2: pixel noise.
                v.setCoefficient(k: 1, axis: 0, y: y, x: x, (Float(sin(Double(x) / 64 * .pi)), 0))
                v.setCoefficient(k: 2, axis: 1, y: y, x: x, (Float(random.normal()), Float(random.normal())))
            }
        }
        let w = ModeShapes(raw: v).weights
        #expect(w[0] == 0)
        #expect(w[1] > 0.9, "smooth mode weight \(w[1])")
        // lambda0 = 8 px on a grid this small: pixel noise (r near 4) keeps 1 / (1 + 4 / 0.62).
        #expect(w[2] < 0.15, "noise mode weight \(w[2])")
    }

    @Test func displacementsAreLimitedSmoothlyPastTheKnee() {
        let limit: Float = 20
        var fields: [Float] = [3, 9.9, 10, 15, 40, 400, 0, 0, 0, 0, -30, 0]  // one field of 6 pixels: x then y
        let lengths: [Float] = (0..<6).map { i in (fields[i] * fields[i] + fields[6 + i] * fields[6 + i]).squareRoot() }
        fields.withUnsafeMutableBufferPointer { Dynamics.limitDisplacements($0, count: 1, plane: 6, limit: limit) }
        let after: [Float] = (0..<6).map { i in (fields[i] * fields[i] + fields[6 + i] * fields[6 + i]).squareRoot() }
        #expect(after[0] == lengths[0] && after[1] == lengths[1] && after[2] == lengths[2])
        #expect(after.allSatisfy { $0 <= limit })
        #expect(after[3] < lengths[3] && after[3] > 14.5)  // just past the knee: nearly unchanged
        #expect(after[3] < after[4] && after[4] < after[5])  // still monotone
        #expect(fields[10] < 0 && fields[4] == 0 || fields[4] > 0)  // directions kept
    }
}

extension Dynamics {
    init(breeze: Breeze) {
        self.init()
        self.breeze = breeze
    }
}
