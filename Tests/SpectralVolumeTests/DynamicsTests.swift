import Foundation
import Graph
import Testing
@testable import SpectralVolume

/// Interactive dynamics: the spectral volume as a modal basis, pulled and released.
@Suite("Dynamics")
struct DynamicsTests {
    static let width = 32, height = 24

    /// Two independent parts: the left half sways in x on bins 1 and 2 (with a phase between
    /// its pixels' x and y parts), the right half bobs in y on bin 3; nothing else moves.
    static func volume() throws -> SpectralVolume {
        var v = try SpectralVolume(frequencies: 4, width: width, height: height, fps: 30, windowSeconds: 2)
        for y in 0..<height {
            for x in 0..<width {
                if x < width / 2 {
                    v.setCoefficient(k: 1, axis: 0, y: y, x: x, (0.6, 0.3))
                    v.setCoefficient(k: 1, axis: 1, y: y, x: x, (0.1, -0.2))
                    v.setCoefficient(k: 2, axis: 0, y: y, x: x, (0.2, 0))
                } else {
                    v.setCoefficient(k: 3, axis: 1, y: y, x: x, (0, 0.5))
                }
            }
        }
        return v
    }

    /// The displacement field (2, H, W) at scene second t.
    static func field(_ d: Dynamics, _ v: SpectralVolume, at t: Double) throws -> [Float] {
        let basis = try d.basis(volume: v, seconds: [t])
        var out = [Float](repeating: 0, count: v.fieldSize)
        out.withUnsafeMutableBufferPointer { v.evaluate(basis: basis, count: 1, into: $0) }
        return out
    }

    static let leftPoint = (x: 0.25, y: 0.5), rightPoint = (x: 0.75, y: 0.5)
    static func index(_ p: (x: Double, y: Double)) -> Int {
        Int((p.y * Double(height - 1)).rounded()) * width + Int((p.x * Double(width - 1)).rounded())
    }

    @Test func thePulledPointMovesByThePullWhenLetGo() throws {
        let v = try Self.volume()
        let n = Self.width * Self.height
        for (dx, dy) in [(4.0, 0.0), (0.0, -3.0), (2.5, 1.5)] {
            let d = Dynamics(pulls: [.init(at: 0, x: Self.leftPoint.x, y: Self.leftPoint.y, dx: dx, dy: dy)])
            let f = try Self.field(d, v, at: 0)
            let i = Self.index(Self.leftPoint)
            // Along the pull the point moves by exactly the pull (the gain's definition).
            let along = (Double(f[i]) * dx + Double(f[n + i]) * dy) / (dx * dx + dy * dy).squareRoot()
            #expect(abs(along - (dx * dx + dy * dy).squareRoot()) < 1e-3, "pull (\(dx), \(dy)): moved \(along) along it")
            // The independent right half does not follow.
            let j = Self.index(Self.rightPoint)
            #expect(abs(f[j]) < 1e-5 && abs(f[n + j]) < 1e-5)
        }
    }

    @Test func aReleasedModeRingsDownAtItsFrequency() throws {
        let v = try Self.volume()
        let n = Self.width * Self.height
        // The right half has one mode, bin 3 of a 2 s window: 1.5 Hz.
        let d = Dynamics(pulls: [.init(at: 0, x: Self.rightPoint.x, y: Self.rightPoint.y, dx: 0, dy: 5, decay: 2)])
        let i = n + Self.index(Self.rightPoint)
        let times = stride(from: 0.0, through: 8, by: 1.0 / 120).map { $0 }
        let ys = try times.map { try Self.field(d, v, at: $0)[i] }
        #expect(abs(ys[0] - 5) < 1e-3)
        // Downward zero crossings one period apart: the damped frequency, within 1%.
        var crossings: [Double] = []
        for j in 1..<ys.count where ys[j - 1] > 0 && ys[j] <= 0 {
            crossings.append(times[j - 1] + (times[j] - times[j - 1]) * Double(ys[j - 1] / (ys[j - 1] - ys[j])))
        }
        try #require(crossings.count >= 4)
        let period = (crossings[3] - crossings[0]) / 3
        // Above 1 Hz a mode decays faster than asked: 2 s / sqrt(1.5).
        let decay = 2 / 1.5.squareRoot()
        #expect(abs(Dynamics.modeDecay(2, hz: 1.5) - decay) < 1e-12 && Dynamics.modeDecay(2, hz: 0.4) == 2)
        let omega = 2 * Double.pi * 1.5, zeta = 1 / (decay * omega)
        let expected = 2 * Double.pi / (omega * (1 - zeta * zeta).squareRoot())
        #expect(abs(period / expected - 1) < 0.01, "period \(period) s, want \(expected)")
        // Successive positive peaks, one damped period apart, fall by e^(-period / decay).
        let peaks = (1..<(ys.count - 1)).filter { ys[$0] > 0 && ys[$0] >= ys[$0 - 1] && ys[$0] > ys[$0 + 1] }.map { ys[$0] }
        try #require(peaks.count >= 4)
        for j in 1..<4 {
            let ratio = Double(peaks[j] / peaks[j - 1])
            #expect(abs(ratio / exp(-expected / decay) - 1) < 0.01, "peak ratio \(ratio), want \(exp(-expected / decay))")
        }
    }

    @Test func pullsAddUpAndNothingMovesBeforeAHold() throws {
        let v = try Self.volume()
        let a = Dynamics.Pull(at: 0, x: Self.leftPoint.x, y: Self.leftPoint.y, dx: 3, dy: 0)
        let b = Dynamics.Pull(at: 2, x: Self.rightPoint.x, y: Self.rightPoint.y, dx: 0, dy: -4)
        let times = [0.0, 0.7, 1.2, 1.6, 2.0, 2.9]
        let both = try Dynamics(pulls: [a, b]).basis(volume: v, seconds: times)
        let sum = zip(try Dynamics(pulls: [a]).basis(volume: v, seconds: times),
                      try Dynamics(pulls: [b]).basis(volume: v, seconds: times)).map { $0 + $1 }
        #expect(zip(both, sum).allSatisfy { abs($0 - $1) < 1e-5 })
        // b is held from 1.5 s (half a second before its release at 2 s): zero before.
        let onlyB = try Dynamics(pulls: [b]).basis(volume: v, seconds: [0, 1.2, 1.49])
        #expect(onlyB.allSatisfy { $0 == 0 })
        let held = try Self.field(Dynamics(pulls: [b]), v, at: 2)
        #expect(abs(held[Self.width * Self.height + Self.index(Self.rightPoint)] + 4) < 1e-3)
    }

    @Test func aPointThatDoesNotMoveCannotBePulled() throws {
        var v = try Self.volume()
        // Freeze the right half's mode: pulling there has nothing to act on.
        for y in 0..<Self.height { for x in (Self.width / 2)..<Self.width { v.setCoefficient(k: 3, axis: 1, y: y, x: x, (0, 0)) } }
        let d = Dynamics(pulls: [.init(at: 0, x: Self.rightPoint.x, y: Self.rightPoint.y, dx: 2, dy: 0)])
        #expect(throws: GIDError.self) { try d.basis(volume: v, seconds: [0]) }
        // The left half also moves a little in y, so a pure y pull works there.
        let y = Dynamics(pulls: [.init(at: 0, x: Self.leftPoint.x, y: Self.leftPoint.y, dx: 0, dy: 2)])
        #expect(throws: Never.self) { try y.basis(volume: v, seconds: [0]) }
    }

    @Test func ambientAddsTheLoopingTexture() throws {
        let v = try Self.volume()
        let d = Dynamics(pulls: [.init(at: 0, x: 0.25, y: 0.5, dx: 1, dy: 0)], ambient: 0.5)
        let plain = Dynamics(pulls: d.pulls)
        let t = 0.8
        let withAmbient = try Self.field(d, v, at: t), without = try Self.field(plain, v, at: t)
        let texture = v.field(atSeconds: t)
        for i in stride(from: 0, to: v.fieldSize, by: 37) {
            #expect(abs(withAmbient[i] - without[i] - 0.5 * texture[i]) < 1e-4)
        }
    }

    @Test func motionFileTextRoundTrips() throws {
        let d = Dynamics(pulls: [.init(at: 0, x: 0.25, y: 0.5, dx: 3, dy: -1.5, decay: 2.25), .init(at: 2.5, x: 1, y: 0, dx: 0, dy: 7)],
                         ambient: 0.3, seconds: 9)
        #expect(try Dynamics(text: d.text) == d)
        #expect(throws: GIDError.self) { try Dynamics(text: "ambient=0;seconds=6;pulls=0,2,0.5,1,1,1") }
        #expect(throws: GIDError.self) { try Dynamics(text: "ambient=0;seconds=6;pulls=0,0.5,0.5,1,1,0") }
        #expect(throws: GIDError.self) { try Dynamics(text: "ambient=2;seconds=6;pulls=") }
        #expect(try Dynamics(text: "ambient=0;seconds=6;pulls=").pulls.isEmpty)
        var blown = d
        blown.breeze = .init(strength: 0.7, direction: 45, gust: 1.25, seed: 99, decay: 3)
        #expect(try Dynamics(text: blown.text) == blown)
        blown.breeze?.direction = nil
        #expect(try Dynamics(text: blown.text) == blown)
        #expect(throws: GIDError.self) { try Dynamics(text: "ambient=0;seconds=6;pulls=;breeze=1,any,5,1,1") }
        #expect(throws: GIDError.self) { try Dynamics(text: "ambient=0;seconds=6;pulls=;breeze=1,any,0.5,-1,1") }
    }
}
