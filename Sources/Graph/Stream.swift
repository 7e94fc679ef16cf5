/// The two kinds of stream that flow between filters.
public enum StreamKind: String, Sendable, CustomStringConvertible {
    /// Decoded pictures with timestamps (a still is a stream of one frame).
    case frames
    /// A scene: reference frame I0 plus its spectral volume (see the SpectralVolume module).
    case motion

    public var description: String { rawValue }
}

/// A motion item: implemented by SpectralVolume's scene type. Graph only needs to carry it.
public protocol MotionItem: Sendable {
    var width: Int { get }
    var height: Int { get }
}

/// A finished document a chain can end with instead of a scene (the `viewer` filter's HTML
/// page): the command line writes its bytes to the output file.
public protocol DocumentItem: MotionItem {
    /// The output file extension it is meant for ("html").
    var fileExtension: String { get }
    var bytes: [UInt8] { get }
}

/// What flows on a stream.
public enum StreamItem: Sendable {
    case frame(Frame)
    case motion(any MotionItem)
}

/// What a filter knows about its input or output before the first item arrives.
public struct StreamInfo: Sendable {
    public var kind: StreamKind
    public var width: Int
    public var height: Int
    /// Time base of the frames' pts.
    public var timeBase: Rational
    /// Nominal frame rate (nil when unknown or variable).
    public var frameRate: Rational?
    /// Native pixel format name of the source, if any ("yuv420p").
    public var pixelFormat: String?
    /// Number of frames if known in advance (nil for pipes and unbounded streams).
    public var frameCount: Int?
    /// Duration in seconds if known.
    public var duration: Double?
    /// True for a single picture (PNG, JPEG, ...): timing comes from -r / -t.
    public var isStill: Bool
    /// Where it came from, for messages ("in.mp4", "-").
    public var source: String
    /// True when the stream is a seamless loop: its last frame flows into its first as any frame
    /// into the next (a motion texture, and the frames rendered from it as whole loops). An
    /// encoder may then spend bits at the seam (`MediaWriter`); anything that cuts or retimes the
    /// stream clears it.
    public var loops = false

    public init(kind: StreamKind = .frames, width: Int, height: Int, timeBase: Rational,
                frameRate: Rational? = nil, pixelFormat: String? = nil, frameCount: Int? = nil,
                duration: Double? = nil, isStill: Bool = false, source: String = "", loops: Bool = false) {
        self.kind = kind
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.frameRate = frameRate
        self.pixelFormat = pixelFormat
        self.frameCount = frameCount
        self.duration = duration
        self.isStill = isStill
        self.source = source
        self.loops = loops
    }
}
