import Foundation

/// A small seeded generator (SplitMix64) with Box-Muller normals: the same seed gives the same
/// noise, and so the same motion, on every run and machine: the prior's phases, the breeze, the
/// tests' random cases. (PyTorch's generator is not reproduced: a Swift seed and a sample.py
/// seed give different, equally likely samples.)
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The second normal of the last Box-Muller pair `normal()` made.
    private var spare: Double?

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits (SplitMix64, Steele et al. 2014).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// One standard normal (Box-Muller; the pair's second value is kept for the next call).
    public mutating func normal() -> Double {
        if let s = spare { spare = nil; return s }
        let u1 = 1 - uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2)
        return r * cos(2 * Double.pi * u2)
    }

    /// `count` standard normal floats (Box-Muller, both outputs of each pair used).
    public mutating func normals(_ count: Int) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(count + 1)
        while out.count < count {
            let u1 = 1 - uniform()          // (0, 1]: log stays finite
            let u2 = uniform()
            let r = (-2 * log(u1)).squareRoot()
            out.append(Float(r * cos(2 * Double.pi * u2)))
            out.append(Float(r * sin(2 * Double.pi * u2)))
        }
        return Array(out.prefix(count))
    }
}
