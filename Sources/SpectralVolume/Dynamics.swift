import Foundation
import Graph

/// Interactive dynamics (paper section 6, after Davis et al. 2015): the spectral volume read as an
/// image-space modal basis. Bin k > 0 is a mode of frequency f_k = k / T whose shape is S_k(p);
/// the displacement is F_t(p) = sum_k Re(S_k(p) q_k(t)) (the paper's eq. 6), with each complex
/// modal coordinate q_k a damped mass-spring system of its own.
///
/// A `Pull` is the paper's drag-and-release: the user holds the point (x, y) displaced by
/// (dx, dy) and lets go at time `at`. Held, the modes take the static shape that a force at the
/// point gives, q_k = a conj(S_k(p)) . d (the force projected on each mode, as Davis et al.), with
/// one gain a chosen so that the point itself moves by d; released, each mode rings down from
/// there at its own frequency. The paper integrates the modal equations with explicit Euler; the
/// free response after a release has a closed form, used here: exact at any frame rate, with no
/// step-size instability.
public struct Dynamics: Sendable, Equatable {
    /// One drag-and-release.
    public struct Pull: Sendable, Equatable {
        /// Release time in seconds of scene time (before any slowmo).
        public var at: Double
        /// The point, as fractions of the width and height (0...1; 0.5 = the middle).
        public var x: Double
        public var y: Double
        /// How far the point is pulled, in pixels of the scene's grid.
        public var dx: Double
        public var dy: Double
        /// Seconds for a released mode's amplitude to fall to 1/e (the same for every mode).
        public var decay: Double

        public init(at: Double, x: Double, y: Double, dx: Double, dy: Double, decay: Double = 1.5) {
            self.at = at
            self.x = x
            self.y = y
            self.dx = dx
            self.dy = dy
            self.decay = decay
        }
    }

    /// The pulls, in the order they were added (the system is linear: responses add up).
    public var pulls: [Pull]
    /// Share of the scene's own looping motion kept alongside (0 = the picture is still until pulled).
    public var ambient: Double
    /// Length of the clip in scene seconds.
    public var seconds: Double

    public init(pulls: [Pull] = [], ambient: Double = 0, seconds: Double = 6) {
        self.pulls = pulls
        self.ambient = ambient
        self.seconds = seconds
    }

    /// Decay times (seconds) the `poke` option allows.
    public static let decayRange: ClosedRange<Double> = 0.05...600
    /// Seconds over which a pull is taken up before a release at `at` > 0 (shorter if `at` is).
    public static let holdRamp = 0.5
    /// Radius in grid pixels of the neighbourhood whose mode shapes a pull reads.
    public static let sampleRadius = 2

    /// (times, 2K) basis rows for `volume.evaluate(basis:)` at the given scene seconds: per bin,
    /// Re q_k(t) and -Im q_k(t) (the layout of the periodic synthesis basis), plus `ambient`
    /// times the periodic rows. Throws where a pull's point does not move.
    public func basis(volume: SpectralVolume, seconds times: [Double]) throws -> [Float] {
        let K = volume.frequencies
        var rows = [Double](repeating: 0, count: times.count * 2 * K)
        for pull in pulls {
            let q0 = try Self.heldState(pull, volume: volume)
            let ramp = min(Self.holdRamp, pull.at)
            for (r, t) in times.enumerated() {
                let tau = t - pull.at
                for k in 1..<K {
                    let h = Self.response(bin: k, after: tau, ramp: ramp, decay: pull.decay, volume: volume)
                    guard h != 0 else { continue }
                    rows[r * 2 * K + k] += h * q0[k].re
                    rows[r * 2 * K + K + k] -= h * q0[k].im
                }
            }
        }
        var out = rows.map { Float($0) }
        if ambient > 0 {
            let periodic = Basis.synthesis(frequencies: K, period: volume.windowFrames, times: times.map { $0 * volume.fps })
            for i in out.indices { out[i] += Float(ambient) * periodic[i] }
        }
        return out
    }

    /// How far along its held amplitude mode k is at `tau` seconds after the release: 0 before
    /// the hold, a smooth take-up while held, then the free response of a damped oscillator
    /// released from rest, e^(-t/decay) (cos w_d t + (zeta w / w_d) sin w_d t).
    static func response(bin k: Int, after tau: Double, ramp: Double, decay: Double, volume: SpectralVolume) -> Double {
        if tau < 0 {
            guard ramp > 0, tau > -ramp else { return 0 }
            let u = (tau + ramp) / ramp
            return u * u * (3 - 2 * u)
        }
        let omega = 2 * Double.pi * volume.frequency(k)
        // The same decay time for every mode: zeta_k = 1 / (decay w_k), at most near-critical.
        let zeta = min(1 / (decay * omega), 0.95)
        let wd = omega * (1 - zeta * zeta).squareRoot()
        return exp(-zeta * omega * tau) * (cos(wd * tau) + zeta * omega / wd * sin(wd * tau))
    }

    /// The held modal coordinates of a pull, q_k = a conj(S_k(p)) . d for k >= 1 (q_0 = 0: the DC
    /// bin is an offset, not a mode), with the gain a that moves the point itself by d.
    public static func heldState(_ pull: Pull, volume: SpectralVolume) throws -> [(re: Double, im: Double)] {
        let K = volume.frequencies, w = volume.width, h = volume.height
        let cx = min(max(Int((pull.x * Double(w - 1)).rounded()), 0), w - 1)
        let cy = min(max(Int((pull.y * Double(h - 1)).rounded()), 0), h - 1)
        let raw = volume.denormalized()
        let d = (x: pull.dx, y: pull.dy)
        var q = [(re: Double, im: Double)](repeating: (0, 0), count: K)
        // Mode shapes averaged over a small neighbourhood: one pixel's measured or predicted
        // coefficients are noisy, and a user's click is not pixel-exact.
        var m = (xx: 0.0, xy: 0.0, yy: 0.0)
        for k in 1..<K {
            var s = (xr: 0.0, xi: 0.0, yr: 0.0, yi: 0.0)
            var count = 0.0
            for y in max(0, cy - sampleRadius)...min(h - 1, cy + sampleRadius) {
                for x in max(0, cx - sampleRadius)...min(w - 1, cx + sampleRadius) {
                    let ix = raw.index(k: k, axis: 0, y: y, x: x), iy = raw.index(k: k, axis: 1, y: y, x: x)
                    s.xr += Double(raw.data[ix]); s.xi += Double(raw.data[raw.partSize + ix])
                    s.yr += Double(raw.data[iy]); s.yi += Double(raw.data[raw.partSize + iy])
                    count += 1
                }
            }
            s = (s.xr / count, s.xi / count, s.yr / count, s.yi / count)
            // conj(S) . d
            q[k] = (s.xr * d.x + s.yr * d.y, -(s.xi * d.x + s.yi * d.y))
            // Re(S S^H), the 2x2 matrix that maps d to the point's own displacement.
            m.xx += s.xr * s.xr + s.xi * s.xi
            m.yy += s.yr * s.yr + s.yi * s.yi
            m.xy += s.xr * s.yr + s.xi * s.yi
        }
        let along = d.x * (m.xx * d.x + m.xy * d.y) + d.y * (m.xy * d.x + m.yy * d.y)
        let dd = d.x * d.x + d.y * d.y
        guard dd > 0 else { throw GIDError.usage("dx and dy are both 0: there is nothing to pull") }
        // A point whose modes move it less than 1% of a pixel per pixel of pull cannot be pulled.
        guard along > 1e-4 * dd else {
            throw GIDError.usage("the point (\(pull.x), \(pull.y)) does not move in this scene's motion in the direction (\(pull.dx), \(pull.dy)); pull a part of the picture that moves (viz=heatmap:grid=1 shows where)")
        }
        let gain = dd / along
        return q.map { ($0.re * gain, $0.im * gain) }
    }
}

extension Dynamics {
    /// The motion-file form: "ambient=A;seconds=S;pulls=at,x,y,dx,dy,decay|at,x,y,dx,dy,decay".
    public var text: String {
        let p = pulls.map { [$0.at, $0.x, $0.y, $0.dx, $0.dy, $0.decay].map { String($0) }.joined(separator: ",") }
        return "ambient=\(ambient);seconds=\(seconds);pulls=\(p.joined(separator: "|"))"
    }

    /// Parses `text`; the message of a thrown error says what is wrong (the caller names the file).
    public init(text: String) throws {
        var fields: [String: String] = [:]
        for part in text.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2 else { throw GIDError.input("dynamics '\(text)': '\(part)' is not key=value") }
            fields[kv[0]] = kv[1]
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double {
            guard let s = fields[key], let x = Double(s), range.contains(x) else {
                throw GIDError.input("dynamics '\(text)': \(key) is missing or not in \(range)")
            }
            return x
        }
        self.init(ambient: try number("ambient", 0...1), seconds: try number("seconds", 0.001...86400))
        for item in (fields["pulls"] ?? "").split(separator: "|") {
            let v = item.split(separator: ",").compactMap { Double($0) }
            guard v.count == 6, v.allSatisfy(\.isFinite), v[0] >= 0, (0...1).contains(v[1]), (0...1).contains(v[2]),
                  v[5] > 0 else {
                throw GIDError.input("dynamics '\(text)': pull '\(item)' is not at,x,y,dx,dy,decay (at >= 0, x and y in 0...1, decay > 0)")
            }
            pulls.append(Pull(at: v[0], x: v[1], y: v[2], dx: v[3], dy: v[4], decay: v[5]))
        }
    }
}
