import Foundation
import Graph

/// Per-frequency scales s_k for the paper's frequency-adaptive normalization (eq. 4).
///
/// s_k is the 95th percentile, over every volume of a dataset, of the complex modulus
/// |S_k[axis, y, x]| = sqrt(Re^2 + Im^2) of each (axis, pixel) coefficient at frequency k (x and
/// y coefficients pooled). Percentiles interpolate linearly as numpy's default does.
public struct NormalizationStats: Sendable, Equatable {
    /// The paper's percentile.
    public static let defaultPercentile = 95.0

    /// s_k for k = 0..K-1, all positive and finite.
    public let scales: [Float]

    /// Wraps known scales (from a model or a motion file).
    public init(scales: [Float]) throws {
        guard SpectralVolume.frequencyRange.contains(scales.count) else {
            throw GIDError.usage("normalization: \(scales.count) scales, want 1..75")
        }
        if let bad = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw GIDError.usage("normalization: scale \(bad) is \(scales[bad]), want a positive finite number")
        }
        self.scales = scales
    }

    /// Computes s_k from raw volumes sharing K; a frequency whose percentile is 0 gets scale 1.
    public init(volumes: [SpectralVolume], percentile: Double = NormalizationStats.defaultPercentile) throws {
        guard let K = volumes.first?.frequencies else {
            throw GIDError.usage("normalization: no volumes to compute statistics from")
        }
        guard (0...100).contains(percentile) else {
            throw GIDError.usage("normalization: percentile \(percentile) is outside 0..100")
        }
        for v in volumes {
            guard v.frequencies == K else {
                throw GIDError.usage("normalization: volumes mix K=\(K) and K=\(v.frequencies)")
            }
            guard v.normalization == .none else {
                throw GIDError.usage("normalization: statistics need raw volumes, '\(v.source)' is already normalized")
            }
        }
        var scales = [Float]()
        for k in 0..<K {
            var magnitudes = [Float]()
            magnitudes.reserveCapacity(volumes.reduce(0) { $0 + $1.fieldSize })
            for v in volumes {
                let cols = v.fieldSize
                for i in (k * cols)..<((k + 1) * cols) {
                    let re = v.data[i], im = v.data[v.partSize + i]
                    magnitudes.append((re * re + im * im).squareRoot())
                }
            }
            let s = Float(Self.percentile(magnitudes, percentile))
            scales.append(s > 0 && s.isFinite ? s : 1)
        }
        try self.init(scales: scales)
    }

    /// numpy's default `np.percentile(values, p)` (method "linear"): sorted v, h = (n-1) p / 100,
    /// v[floor h] + (h - floor h) * (v[floor h + 1] - v[floor h]). NaN for no values.
    public static func percentile(_ values: [Float], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let v = values.sorted()
        let h = Double(v.count - 1) * p / 100
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, v.count - 1)
        let a = Double(v[lo]), b = Double(v[hi])
        return a + (h - Double(lo)) * (b - a)
    }
}

extension SpectralVolume {
    /// Eq. 4: S' = sign(S) * sqrt(|S| / s_k), on real and imaginary parts independently.
    public func normalized(with stats: NormalizationStats) throws -> SpectralVolume {
        guard normalization == .none else {
            throw GIDError.usage("spectral volume '\(source)': already normalized")
        }
        guard stats.scales.count == frequencies else {
            throw GIDError.usage("spectral volume '\(source)': \(stats.scales.count) normalization scales for K=\(frequencies)")
        }
        var out = self
        out.normalization = .adaptive(stats)
        out.apply(stats) { x, s in
            let m = (abs(x) / s).squareRoot()
            return x < 0 ? -m : m
        }
        return out
    }

    /// The inverse of eq. 4: S = sign(S') * S'^2 * s_k (a raw volume is returned unchanged).
    public func denormalized() -> SpectralVolume {
        guard case .adaptive(let stats) = normalization else { return self }
        var out = self
        out.normalization = .none
        out.apply(stats) { x, s in
            let m = x * x * s
            return x < 0 ? -m : m
        }
        return out
    }

    /// Maps every real and imaginary coefficient of frequency k through f(x, s_k).
    private mutating func apply(_ stats: NormalizationStats, _ f: (Float, Float) -> Float) {
        let cols = fieldSize, part = partSize, K = frequencies
        data.withUnsafeMutableBufferPointer { d in
            for k in 0..<K {
                let s = stats.scales[k]
                for base in [k * cols, part + k * cols] {
                    for i in base..<(base + cols) { d[i] = f(d[i], s) }
                }
            }
        }
    }
}
