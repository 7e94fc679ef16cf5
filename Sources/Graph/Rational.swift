/// An exact ratio, as libav uses for time bases and frame rates.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    public var num: Int
    public var den: Int

    public init(_ num: Int, _ den: Int) {
        self.num = num
        self.den = den
    }

    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
    public var inverted: Rational { Rational(den, num) }
    public var description: String { "\(num)/\(den)" }

    /// Closest ratio with a small denominator (for user-typed rates like 29.97 or 25).
    /// Values beyond +-1e9 (and NaN) are clamped first, so a range check after this sees them.
    public init(approximating value: Double, maxDenominator: Int = 1001) {
        let x = value.isNaN ? 0 : min(max(value, -1e9), 1e9)
        if x == x.rounded() { self.init(Int(x), 1); return }
        for den in [1001, 1000, 100, 1] where den <= maxDenominator {
            let n = (x * Double(den)).rounded()
            if abs(n / Double(den) - x) < 1e-6 { self.init(Int(n), den); return }
        }
        self.init(Int((x * 1000).rounded()), 1000)
    }

    /// Parses "25", "29.97", "30000/1001" or "ntsc"-free numeric forms.
    public init?(parsing s: String) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), d != 0 {
            self.init(n, d)
        } else if parts.count == 1, let x = Double(s), x.isFinite {
            self.init(approximating: x)
        } else {
            return nil
        }
    }
}
