/// A dense displacement field: pixel (x, y) of the first picture moves to (x + u, y + v) in the second.
///
/// Stored planar as (2, H, W) floats, u then v, in pixels: the layout `SpectralAccumulator.add`
/// takes, so a measured field feeds the spectral volume without a copy.
public struct FlowField: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// (2, H, W) floats: the u plane, then the v plane.
    public var data: [Float]

    /// Wraps (2, H, W) floats.
    public init(width: Int, height: Int, data: [Float]) {
        precondition(data.count == 2 * width * height, "FlowField: \(data.count) floats, want 2*\(width)*\(height)")
        self.width = width
        self.height = height
        self.data = data
    }

    /// The zero field.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, data: [Float](repeating: 0, count: 2 * width * height))
    }

    /// Pixels per plane.
    public var planeSize: Int { width * height }

    /// Horizontal displacement at (x, y).
    public func u(_ x: Int, _ y: Int) -> Float { data[y * width + x] }
    /// Vertical displacement at (x, y).
    public func v(_ x: Int, _ y: Int) -> Float { data[planeSize + y * width + x] }

    /// Average end-point error against `truth`, skipping pixels where `truth` is unknown
    /// (Middlebury marks them with components above 1e9) or where `mask` is false.
    public func endPointError(to truth: FlowField, mask: [Bool]? = nil) -> Double {
        precondition(truth.width == width && truth.height == height, "endPointError: sizes differ")
        let n = planeSize
        var sum = 0.0
        var count = 0
        for i in 0..<n {
            let tu = truth.data[i], tv = truth.data[n + i]
            if abs(tu) > 1e9 || abs(tv) > 1e9 || !tu.isFinite || !tv.isFinite { continue }
            if let mask, !mask[i] { continue }
            let du = Double(data[i] - tu), dv = Double(data[n + i] - tv)
            sum += (du * du + dv * dv).squareRoot()
            count += 1
        }
        return count > 0 ? sum / Double(count) : 0
    }

    /// Largest displacement length.
    public var maxMagnitude: Float {
        let n = planeSize
        var m: Float = 0
        for i in 0..<n where data[i].isFinite && data[n + i].isFinite && abs(data[i]) < 1e9 {
            m = max(m, (data[i] * data[i] + data[n + i] * data[n + i]).squareRoot())
        }
        return m
    }
}
