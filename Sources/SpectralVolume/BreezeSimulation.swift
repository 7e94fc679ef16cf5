import Foundation
import Graph

/// The breeze's modal coordinates over time: each bin k >= 1 is a damped oscillator at f_k
/// (the same frequency and per-mode decay as a poke's ring-down), its real and imaginary parts
/// driven by independent random forces whose strength follows a gusting wind.
///
///   x'' + 2 zeta w x' + w^2 x = f(t),   f piecewise constant over steps of `step` seconds,
///   f ~ Normal(0, D / step),   D = 2 zeta w^3 a(t)^2,   a(t) = 2 weight_k dir_k s(t),
///   s(t) = strength max(0, 1 + gust g(t)),  g an Ornstein-Uhlenbeck process (time constant
///   `gustSeconds`, unit standard deviation).
///
/// With that D the stationary E|q_k|^2 is a^2: at strength 1 with no gusts a smooth mode moves
/// as much as in the scene's own loop (whose coordinates are 2 e^(i w t)). Each step uses the exact solution for a constant force
/// (stable at any step), and the oscillators start from their stationary spread, so the clip
/// is already in motion at its first frame. Deterministic for a seed (`SeededRandom`); positions between steps
/// are interpolated linearly (slow motion asks for times closer than a step).
final class BreezeSimulation {
    static let step = 1.0 / 120
    static let gustSeconds = 2.0

    private let count: Int
    private let gains: [Double]
    private let strength: Double, gust: Double
    private let decayFactor: [Double], cosine: [Double], sine: [Double], omega: [Double], zeta: [Double], damped: [Double]
    private let seed: UInt64
    private var random: SeededRandom
    private var gustState = 0.0
    // Per bin and part (re, im): position and velocity.
    private var x: [Double], v: [Double]
    /// Positions at `stepIndex` and the step after it.
    private var now: [Double], next: [Double]
    private var stepIndex = -1

    init(breeze: Dynamics.Breeze, volume: SpectralVolume, shapes: ModeShapes) {
        let K = volume.frequencies
        count = K
        strength = breeze.strength
        gust = breeze.gust
        seed = breeze.seed
        gains = (0..<K).map { k in
            guard k > 0 else { return 0 }
            // 2: the loop's coordinates are 2 e^(i w t) (real-FFT synthesis), so strength 1
            // swings a smooth mode about as far as the scene's own loop does.
            return 2 * shapes.weights[k] * (breeze.direction.map { shapes.directionFactor(bin: k, degrees: $0) } ?? 1)
        }
        var om = [Double](repeating: 0, count: K), ze = om, wd = om, e = om, c = om, s = om
        for k in 1..<K {
            om[k] = 2 * Double.pi * volume.frequency(k)
            ze[k] = Dynamics.dampingRatio(omega: om[k], decay: Dynamics.modeDecay(breeze.decay, hz: volume.frequency(k)))
            wd[k] = om[k] * (1 - ze[k] * ze[k]).squareRoot()
            e[k] = exp(-ze[k] * om[k] * Self.step)
            c[k] = cos(wd[k] * Self.step)
            s[k] = sin(wd[k] * Self.step)
        }
        omega = om; zeta = ze; damped = wd; decayFactor = e; cosine = c; sine = s
        random = SeededRandom(seed: seed)
        x = [Double](repeating: 0, count: 2 * K)
        v = x; now = x; next = x
    }

    /// (2K) basis rows' worth of coordinates at scene second t: re_k at k, im_k at K + k.
    func coordinates(at t: Double) -> [Double] {
        let position = max(0, t) / Self.step
        let target = Int(position.rounded(.down))
        if target < stepIndex { restart() }
        while stepIndex < target { advance() }
        let u = position - Double(target)
        return (0..<(2 * count)).map { now[$0] + u * (next[$0] - now[$0]) }
    }

    private func restart() {
        random = SeededRandom(seed: seed)
        stepIndex = -1
    }

    /// Moves one step on (the first call sets the stationary start).
    private func advance() {
        if stepIndex < 0 {
            gustState = random.normal()
            let s = wind()
            for k in 1..<count {
                let a = gains[k] * s
                for p in [k, count + k] {
                    x[p] = a / 2.0.squareRoot() * random.normal()
                    v[p] = omega[k] * a / 2.0.squareRoot() * random.normal()
                }
            }
            stepIndex = 0
            now = x
            integrate()
            next = x
            return
        }
        now = next
        integrate()
        next = x
        stepIndex += 1
    }

    /// The wind's strength now, from the gust process.
    private func wind() -> Double { strength * max(0, 1 + gust * gustState) }

    /// x, v one step on under this step's random force; the gust process moves too.
    private func integrate() {
        let s = wind()
        for k in 1..<count {
            let w = omega[k], z = zeta[k], wd = damped[k]
            let a = gains[k] * s
            let spread = (2 * z * w * w * w * a * a / Self.step).squareRoot()
            for p in [k, count + k] {
                let xp = spread * random.normal() / (w * w)
                let y0 = x[p] - xp, v0 = v[p]
                let e = decayFactor[k], c = cosine[k], sn = sine[k]
                x[p] = xp + e * (y0 * c + (v0 + z * w * y0) / wd * sn)
                v[p] = e * (v0 * c - (w * w * y0 + z * w * v0) / wd * sn)
            }
        }
        let r = exp(-Self.step / Self.gustSeconds)
        gustState = gustState * r + (1 - r * r).squareRoot() * random.normal()
    }
}
