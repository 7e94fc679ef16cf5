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

    /// A continuous random force on every mode: a wind that never repeats (the `breeze` filter).
    public struct Breeze: Sendable, Equatable {
        /// 0 = still; 1 = a smooth mode swings about as far as in the scene's own loop.
        public var strength: Double
        /// Direction the wind blows toward, degrees (0 = right, 90 = down); nil = every mode alike.
        public var direction: Double?
        /// How much the wind's strength swings (0 = steady; 1 = gusts that stop and double it).
        public var gust: Double
        public var seed: UInt64
        /// Seconds for a mode's response to fall to 1/e (before the per-mode shortening).
        public var decay: Double

        public static let strengthRange: ClosedRange<Double> = 0...10
        public static let gustRange: ClosedRange<Double> = 0...2

        public init(strength: Double = 1, direction: Double? = nil, gust: Double = 0.5, seed: UInt64 = 1, decay: Double = 1.5) {
            self.strength = strength
            self.direction = direction
            self.gust = gust
            self.seed = seed
            self.decay = decay
        }
    }

    /// The pulls, in the order they were added (the system is linear: responses add up).
    public var pulls: [Pull]
    /// The wind, if any (adds to the pulls).
    public var breeze: Breeze?
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
    /// The farthest any pixel may move when a point is pulled, as a multiple of the pull.
    public static let reach = 1.5
    /// Radius in grid pixels of the neighbourhood whose mode shapes a pull reads.
    public static let sampleRadius = 2

    /// (times, 2K) basis rows for `volume.evaluate(basis:)` at the given scene seconds: per bin,
    /// Re q_k(t) and -Im q_k(t) (the layout of the periodic synthesis basis), plus `ambient`
    /// times the periodic rows. Throws where a pull's point does not move.
    public func basis(volume: SpectralVolume, seconds times: [Double]) throws -> [Float] {
        try DynamicsPlayer(self, volume: volume).basis(seconds: times)
    }

    /// Seconds for mode k at `hz` to fall to 1/e when the user asks for `decay`: the same below
    /// 1 Hz, shorter above it (decay / sqrt(hz)). Real structures damp their faster modes more
    /// (Rayleigh damping), and the fast bins of a predicted or measured volume are the noisiest:
    /// letting them ring as long as the slow sway makes a pulled picture shimmer.
    public static func modeDecay(_ decay: Double, hz: Double) -> Double {
        decay / max(1, hz).squareRoot()
    }

    /// zeta for a mode of angular frequency `omega` that decays in `decay` seconds, at most
    /// near-critical.
    static func dampingRatio(omega: Double, decay: Double) -> Double {
        min(1 / (decay * omega), 0.95)
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
        let zeta = dampingRatio(omega: omega, decay: modeDecay(decay, hz: volume.frequency(k)))
        let wd = omega * (1 - zeta * zeta).squareRoot()
        return exp(-zeta * omega * tau) * (cos(wd * tau) + zeta * omega / wd * sin(wd * tau))
    }

    /// The held modal coordinates of a pull, q_k = a w_k conj(S_k(p)) . d for k >= 1 (q_0 = 0:
    /// the DC bin is an offset, not a mode; w_k the mode's smoothness weight, `ModeShapes`), with
    /// the gain a that moves the point itself by d.
    public static func heldState(_ pull: Pull, volume: SpectralVolume, shapes: ModeShapes? = nil) throws -> [(re: Double, im: Double)] {
        let K = volume.frequencies, w = volume.width, h = volume.height
        let cx = min(max(Int((pull.x * Double(w - 1)).rounded()), 0), w - 1)
        let cy = min(max(Int((pull.y * Double(h - 1)).rounded()), 0), h - 1)
        let raw = volume.denormalized()
        let weight = (shapes ?? ModeShapes(raw: raw)).weights
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
            // w conj(S) . d
            q[k] = (weight[k] * (s.xr * d.x + s.yr * d.y), -weight[k] * (s.xi * d.x + s.yi * d.y))
            // w Re(S S^H), the 2x2 matrix that maps d to the point's own displacement.
            m.xx += weight[k] * (s.xr * s.xr + s.xi * s.xi)
            m.yy += weight[k] * (s.yr * s.yr + s.yi * s.yi)
            m.xy += weight[k] * (s.xr * s.yr + s.xi * s.yi)
        }
        let along = d.x * (m.xx * d.x + m.xy * d.y) + d.y * (m.xy * d.x + m.yy * d.y)
        let dd = d.x * d.x + d.y * d.y
        guard dd > 0 else { throw GIDError.usage("dx and dy are both 0: there is nothing to pull") }
        // A point whose modes move it less than 1% of a pixel per pixel of pull cannot be pulled.
        guard along > 1e-4 * dd else {
            throw GIDError.usage("the point (\(pull.x), \(pull.y)) does not move in this scene's motion in the direction (\(pull.dx), \(pull.dy)); pull a part of the picture that moves (viz=heatmap:grid=1 shows where)")
        }
        var gain = dd / along
        // No part may swing further than `reach` x the pull: pulling a point that barely moves
        // would otherwise fling the picture's lively parts (a prior's deck by its calm water).
        let peak = peakDisplacement(q.map { ($0.re * gain, $0.im * gain) }, raw: raw)
        let most = reach * dd.squareRoot()
        if peak > most { gain *= most / peak }
        return q.map { ($0.re * gain, $0.im * gain) }
    }
}

extension Dynamics {
    /// max over pixels of |sum_k Re(S_k(p) q_k)| for the raw volume `raw`.
    static func peakDisplacement(_ q: [(re: Double, im: Double)], raw: SpectralVolume) -> Double {
        let n = raw.planeSize
        var dx = [Double](repeating: 0, count: n), dy = dx
        raw.data.withUnsafeBufferPointer { d in
            for k in 1..<raw.frequencies where q[k].re != 0 || q[k].im != 0 {
                let xr = raw.index(k: k, axis: 0, y: 0, x: 0), yr = raw.index(k: k, axis: 1, y: 0, x: 0)
                let xi = raw.partSize + xr, yi = raw.partSize + yr
                for i in 0..<n {
                    dx[i] += Double(d[xr + i]) * q[k].re - Double(d[xi + i]) * q[k].im
                    dy[i] += Double(d[yr + i]) * q[k].re - Double(d[yi + i]) * q[k].im
                }
            }
        }
        var best = 0.0
        for i in 0..<n { best = max(best, dx[i] * dx[i] + dy[i] * dy[i]) }
        return best.squareRoot()
    }

    /// The motion-file form: "ambient=A;seconds=S;pulls=at,x,y,dx,dy,decay|...", and with a
    /// breeze ";breeze=strength,direction,gust,seed,decay" (direction "any" for none).
    public var text: String {
        let p = pulls.map { [$0.at, $0.x, $0.y, $0.dx, $0.dy, $0.decay].map { String($0) }.joined(separator: ",") }
        var out = "ambient=\(ambient);seconds=\(seconds);pulls=\(p.joined(separator: "|"))"
        if let b = breeze {
            out += ";breeze=\(b.strength),\(b.direction.map { String($0) } ?? "any"),\(b.gust),\(b.seed),\(b.decay)"
        }
        return out
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
        if let item = fields["breeze"] {
            let f = item.split(separator: ",").map(String.init)
            let strength = f.count == 5 ? Double(f[0]) : nil, gust = f.count == 5 ? Double(f[2]) : nil
            let seed = f.count == 5 ? UInt64(f[3]) : nil, decay = f.count == 5 ? Double(f[4]) : nil
            let direction = f.count == 5 && f[1] != "any" ? Double(f[1]) : nil
            guard let strength, let gust, let seed, let decay, (0...Breeze.strengthRange.upperBound).contains(strength),
                  Breeze.gustRange.contains(gust), Dynamics.decayRange.contains(decay),
                  f[1] == "any" || direction.map({ $0.isFinite && abs($0) <= 360 }) == true else {
                throw GIDError.input("dynamics '\(text)': breeze '\(item)' is not strength,direction,gust,seed,decay")
            }
            breeze = Breeze(strength: strength, direction: direction, gust: gust, seed: seed, decay: decay)
        }
    }
}
