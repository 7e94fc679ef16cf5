import Graph

/// A single-channel float picture, row-major (H, W), intensities 0...255.
///
/// Flow works on luma in 0...255 so that its thresholds (densification's 1-level floor, the
/// variational term's epsilons) keep the meanings they have in the DIS and Brox papers.
public struct GrayImage: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// (H, W) intensities, 0...255.
    public var data: [Float]

    /// Wraps (H, W) floats in 0...255.
    public init(width: Int, height: Int, data: [Float]) {
        precondition(data.count == width * height, "GrayImage: \(data.count) floats, want \(width)*\(height)")
        self.width = width
        self.height = height
        self.data = data
    }

    /// Luma (BT.601 weights, as OpenCV's RGB2GRAY) of a float RGB picture in 0...1.
    public init(_ rgb: RGBImage) {
        let n = rgb.planeSize
        var out = [Float](repeating: 0, count: n)
        rgb.data.withUnsafeBufferPointer { src in
            for i in 0..<n {
                let y = 0.299 * src[i] + 0.587 * src[n + i] + 0.114 * src[2 * n + i]
                out[i] = min(max(y, 0), 1) * 255
            }
        }
        self.init(width: rgb.width, height: rgb.height, data: out)
    }

    /// The picture as grey float RGB in 0...1 (for writing it out).
    public var rgb: RGBImage {
        let plane = data.map { min(max($0 / 255, 0), 1) }
        return RGBImage(width: width, height: height, data: plane + plane + plane)
    }
}
