import Foundation
import Graph

/// One scene's dynamics, ready to play: the mode shapes and every pull's held state measured
/// once, the breeze simulated forward as the clip asks for later times (a renderer asks in
/// order; going back restarts the simulation, so any order gives the same rows).
public final class DynamicsPlayer {
    private let dynamics: Dynamics
    /// The modal basis the rows apply to (`volume.evaluate(basis:)`): the raw volume, smoothed
    /// by `ModalBasis` when a guide picture is given.
    public let volume: SpectralVolume
    private let held: [[(re: Double, im: Double)]]
    private let breeze: BreezeSimulation?

    /// With `guide` (the still), the modes are `ModalBasis.smoothed`; the smoothness weights
    /// are measured on the raw volume either way. Throws where a pull's point does not move.
    public init(_ dynamics: Dynamics, volume: SpectralVolume, guide: RGBImage? = nil) throws {
        let raw = volume.denormalized()
        let shapes = ModeShapes(raw: raw)
        let modes = try guide.map { try ModalBasis.smoothed(raw, guide: $0) } ?? raw
        self.dynamics = dynamics
        self.volume = modes
        held = try dynamics.pulls.map { try Dynamics.heldState($0, volume: modes, shapes: shapes) }
        breeze = dynamics.breeze.map { BreezeSimulation(breeze: $0, volume: modes, shapes: shapes) }
    }

    /// (times, 2K) basis rows for `volume.evaluate(basis:)` at the given scene seconds: per bin,
    /// Re q_k(t) and -Im q_k(t) (the layout of the periodic synthesis basis), plus `ambient`
    /// times the periodic rows.
    public func basis(seconds times: [Double]) -> [Float] {
        let K = volume.frequencies
        var rows = [Double](repeating: 0, count: times.count * 2 * K)
        for (pull, q0) in zip(dynamics.pulls, held) {
            let ramp = min(Dynamics.holdRamp, pull.at)
            for (r, t) in times.enumerated() {
                for k in 1..<K {
                    let h = Dynamics.response(bin: k, after: t - pull.at, ramp: ramp, decay: pull.decay, volume: volume)
                    guard h != 0 else { continue }
                    rows[r * 2 * K + k] += h * q0[k].re
                    rows[r * 2 * K + K + k] -= h * q0[k].im
                }
            }
        }
        if let breeze {
            for (r, t) in times.enumerated() {
                let q = breeze.coordinates(at: t)
                for k in 1..<K {
                    rows[r * 2 * K + k] += q[k]
                    rows[r * 2 * K + K + k] -= q[K + k]
                }
            }
        }
        var out = rows.map { Float($0) }
        if dynamics.ambient > 0 {
            let periodic = Basis.synthesis(frequencies: K, period: volume.windowFrames, times: times.map { $0 * volume.fps })
            for i in out.indices { out[i] += Float(dynamics.ambient) * periodic[i] }
        }
        return out
    }
}

extension Dynamics {
    /// Largest displacement (grid pixels) a pull or the wind may give a pixel of a width x height
    /// picture: 8% of its longer side. A hard drag or a strong gust then bends the picture
    /// instead of tearing it.
    public static func displacementLimit(width: Int, height: Int) -> Float { 0.08 * Float(max(width, height)) }

    /// Soft-limits every displacement of `fields` (count fields of (2, H, W)) to `limit`: lengths
    /// up to limit / 2 unchanged, longer ones bent smoothly (tanh) toward the limit, directions
    /// kept. The curve is continuous with slope 1 at the knee, so nothing jumps.
    public static func limitDisplacements(_ fields: UnsafeMutableBufferPointer<Float>, count: Int, plane: Int, limit: Float) {
        let knee = limit / 2
        for f in 0..<count {
            let x = fields.baseAddress! + f * 2 * plane, y = x + plane
            for i in 0..<plane {
                let m = (x[i] * x[i] + y[i] * y[i]).squareRoot()
                guard m > knee else { continue }
                let scale = (knee + knee * tanh((m - knee) / knee)) / m
                x[i] *= scale
                y[i] *= scale
            }
        }
    }
}
