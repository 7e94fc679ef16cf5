/// A picture as filters see it: planar RGB floats in 0...1 (plus optional alpha), row-major.
///
/// Planes are stored one after another in `data`: R (H*W), G (H*W), B (H*W).
public struct RGBImage: Sendable {
    public var width: Int
    public var height: Int
    /// (3, H, W) floats, planar R, G, B.
    public var data: [Float]
    /// (H, W) floats, or nil for opaque pictures.
    public var alpha: [Float]?

    public init(width: Int, height: Int, data: [Float], alpha: [Float]? = nil) {
        precondition(data.count == 3 * width * height, "RGBImage: data has \(data.count) floats, want 3*\(width)*\(height)")
        self.width = width
        self.height = height
        self.data = data
        self.alpha = alpha
    }

    /// A black picture.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, data: [Float](repeating: 0, count: 3 * width * height))
    }

    public var planeSize: Int { width * height }
}

/// A decoded picture still in its codec's own pixel format (for example a libav frame).
///
/// Kept native so that filters which do not touch pixels (`null`, `lavfi`) pass frames through
/// bit-exactly; converted to float RGB only when a filter asks for pixels.
public protocol NativePicture: AnyObject, Sendable {
    var width: Int { get }
    var height: Int { get }
    /// libav's name of the pixel format ("yuv420p", "rgb24", ...).
    var pixelFormatName: String { get }
    /// Converts to float RGB with the picture's own colour matrix and range.
    func toRGB() throws -> RGBImage
}

/// One picture with its timing, flowing through a frames stream.
public struct Frame: Sendable {
    public enum Content: Sendable {
        case native(any NativePicture)
        case rgb(RGBImage)
    }

    public var content: Content
    /// Presentation time in `timeBase` units.
    public var pts: Int64
    /// Duration in `timeBase` units (0 when unknown).
    public var duration: Int64
    public var timeBase: Rational

    public init(content: Content, pts: Int64, duration: Int64, timeBase: Rational) {
        self.content = content
        self.pts = pts
        self.duration = duration
        self.timeBase = timeBase
    }

    public init(_ image: RGBImage, pts: Int64, duration: Int64, timeBase: Rational) {
        self.init(content: .rgb(image), pts: pts, duration: duration, timeBase: timeBase)
    }

    public var width: Int {
        switch content {
        case .native(let p): return p.width
        case .rgb(let i): return i.width
        }
    }

    public var height: Int {
        switch content {
        case .native(let p): return p.height
        case .rgb(let i): return i.height
        }
    }

    /// Presentation time in seconds.
    public var seconds: Double { Double(pts) * timeBase.value }

    /// The pixels as float RGB (converting a native picture on first use).
    public func rgb() throws -> RGBImage {
        switch content {
        case .native(let p): return try p.toRGB()
        case .rgb(let i): return i
        }
    }
}
