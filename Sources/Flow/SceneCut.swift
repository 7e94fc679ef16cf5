/// Scene cuts between consecutive pictures, by minterpolate's rule (`scd=fdiff`): a pair is a
/// cut when its mean absolute luma difference and the change of that difference from the
/// previous pair's are both at least `threshold` of full scale. The first pair has nothing to
/// compare with and is never a cut.
///
/// Why the change as well as the size: fast motion or flicker keeps the difference high from
/// pair to pair, a cut makes it jump once. On the 44 clips of Benchmarks/slowmo no pair after
/// the first scores above 0.075 (a flame close-up) against the default 0.1.
public struct SceneCutDetector: Sendable {
    /// Fraction of full scale (0 = never a cut).
    public var threshold: Float
    private var previous: Float?

    public init(threshold: Float = 0.1) {
        self.threshold = threshold
    }

    /// Mean absolute difference of two same-size luma pictures (0...255), as a fraction of full scale.
    public static func difference(_ a: GrayImage, _ b: GrayImage) -> Float {
        precondition(a.data.count == b.data.count, "SceneCutDetector: pictures differ in size")
        var sum: Double = 0
        for i in 0..<a.data.count { sum += Double(abs(a.data[i] - b.data[i])) }
        return Float(sum / Double(max(a.data.count, 1)) / 255)
    }

    /// Takes the next pair's difference; true when that pair is a cut.
    public mutating func isCut(difference: Float) -> Bool {
        defer { previous = difference }
        guard threshold > 0, let p = previous else { return false }
        return min(difference, abs(difference - p)) >= threshold
    }

    /// Forgets the previous pair (a new sequence starts).
    public mutating func reset() {
        previous = nil
    }
}
