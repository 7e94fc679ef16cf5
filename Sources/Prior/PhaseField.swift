import Foundation

/// Training/amplitude.py `synthesize`: the predicted amplitudes given phases. The phases are
/// smoothed complex noise (neighbours swing together, so the picture bends instead of tearing),
/// lower frequencies smoothed over larger areas; a smooth +-1 field shared by all frequencies
/// decides whether a pixel's y swing is with or against its x swing (each pixel moves along a line).
enum PhaseField {
    /// The amplitude below which the network's log output means "still" (amplitude.LOG_FLOOR).
    static let logFloor: Float = 0.02

    /// Noise values a prediction consumes on an h x w grid: 2K + 1 planes.
    static func noiseCount(K: Int, width: Int, height: Int) -> Int { (2 * K + 1) * width * height }

    /// Smoothing sigma (grid pixels) for each frequency k.
    static func sigmas(K: Int, width: Int, coherence: Double) -> [Float] {
        (0..<K).map { k in Float(max(1.0, coherence * Double(width) / Double(max(k, 1)).squareRoot())) }
    }

    /// net (K + 1, h, w): log A_k then the x-share logit; noise (2K + 1, h, w) -> S (K, 4, h, w).
    /// `cap`: the largest log A_k per frequency (a picture unlike any in training must not swing
    /// wider than they did); `reference`: the level a picture's strong motion is scaled down to
    /// (`levelGain`).
    static func synthesize(_ net: [Float], noise: [Float], K: Int, width w: Int, height h: Int, coherence: Double,
                           cap: [Double]? = nil, reference: Double? = nil) -> [Float] {
        let plane = w * h
        precondition(net.count == (K + 1) * plane && noise.count == noiseCount(K: K, width: w, height: h), "synthesize: sizes")
        let sig = sigmas(K: K, width: w, coherence: coherence)
        var d = smooth(Array(noise[(2 * K * plane)..<((2 * K + 1) * plane)]), width: w, height: h, sigma: sig[min(1, K - 1)])
        let rms = max(1e-6, (d.reduce(0) { $0 + $1 * $1 } / Float(plane)).squareRoot())
        for i in d.indices { d[i] = tanh(3 * d[i] / rms) }
        var fx = [Float](repeating: 0, count: plane), fy = fx
        for i in 0..<plane {
            let s = 1 / (1 + exp(-net[K * plane + i]))
            fx[i] = s.squareRoot()
            fy[i] = (1 - s).squareRoot() * d[i]
        }
        var amp = [Float](repeating: 0, count: K * plane)
        for k in 0..<K {
            let top = cap.map { Float($0[k]) } ?? .infinity
            for i in 0..<plane { amp[k * plane + i] = max(0, exp(min(net[k * plane + i], top)) - logFloor) }
        }
        let gain = levelGain(amp, K: K, plane: plane, width: w, reference: reference)
        var S = [Float](repeating: 0, count: K * 4 * plane)
        for k in 0..<K {
            let re = smooth(Array(noise[(2 * k * plane)..<((2 * k + 1) * plane)]), width: w, height: h, sigma: sig[k])
            let im = smooth(Array(noise[((2 * k + 1) * plane)..<((2 * k + 2) * plane)]), width: w, height: h, sigma: sig[k])
            var mean: Float = 0
            for i in 0..<plane { mean += re[i] * re[i] + im[i] * im[i] }
            mean /= Float(plane)
            let base = k * 4 * plane
            for i in 0..<plane {
                let m2 = re[i] * re[i] + im[i] * im[i]
                let norm = 1 / (m2 + 0.1 * mean + 1e-12).squareRoot()
                let A = amp[k * plane + i] * gain
                let ax = A * fx[i], ay = A * fy[i]
                let u0 = re[i] * norm, u1 = im[i] * norm
                S[base + i] = ax * u0
                S[base + plane + i] = ay * u0
                if k > 0 {  // the mean displacement (k = 0) is real
                    S[base + 2 * plane + i] = ax * u1
                    S[base + 3 * plane + i] = ay * u1
                }
            }
        }
        return S
    }

    /// amplitude.level_gain: min(1, reference x width / the 95th percentile (lower sample) of the
    /// total amplitude 2 sqrt(sum_{k>=1} A_k^2)).
    static func levelGain(_ amp: [Float], K: Int, plane: Int, width: Int, reference: Double?) -> Float {
        guard let reference, K > 1 else { return 1 }
        var total = [Float](repeating: 0, count: plane)
        for k in 1..<K { for i in 0..<plane { total[i] += amp[k * plane + i] * amp[k * plane + i] } }
        total = total.map { 2 * $0.squareRoot() }.sorted()
        let p95 = total[Int(0.95 * Double(plane - 1))]
        return p95 > 0 ? min(1, Float(reference * Double(width)) / p95) : 1
    }

    /// amplitude.smooth: separable Gaussian (radius ceil(3 sigma), zero outside), divided by the
    /// same blur of ones so the edges keep their level.
    static func smooth(_ x: [Float], width w: Int, height h: Int, sigma: Float) -> [Float] {
        let r = max(1, Int((3 * sigma).rounded(.up)))
        var g = (-r...r).map { exp(-0.5 * (Float($0) / sigma) * (Float($0) / sigma)) }
        let total = g.reduce(0, +)
        g = g.map { $0 / total }
        func blur(_ v: [Float]) -> [Float] {
            var tmp = [Float](repeating: 0, count: w * h), out = tmp
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for j in max(0, x - r)...min(w - 1, x + r) { s += g[j - x + r] * v[y * w + j] }
                    tmp[y * w + x] = s
                }
            }
            for y in 0..<h {
                for x in 0..<w {
                    var s: Float = 0
                    for j in max(0, y - r)...min(h - 1, y + r) { s += g[j - y + r] * tmp[j * w + x] }
                    out[y * w + x] = s
                }
            }
            return out
        }
        let num = blur(x), den = blur([Float](repeating: 1, count: w * h))
        return zip(num, den).map { $0 / $1 }
    }
}
