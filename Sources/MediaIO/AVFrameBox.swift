import CFFmpeg
import Graph

/// Owns one AVFrame. Frames are handed between threads only whole, never shared while written.
public final class AVFrameBox: NativePicture, @unchecked Sendable {
    let frame: UnsafeMutablePointer<AVFrame>

    init(taking frame: UnsafeMutablePointer<AVFrame>) {
        self.frame = frame
    }

    /// A new frame holding a reference to the same buffers as `other`.
    init(referencing other: UnsafePointer<AVFrame>) throws {
        guard let f = av_frame_alloc() else { throw GIDError.internal("out of memory allocating a frame") }
        if av_frame_ref(f, other) < 0 {
            var p: UnsafeMutablePointer<AVFrame>? = f
            av_frame_free(&p)
            throw GIDError.internal("av_frame_ref failed")
        }
        frame = f
    }

    /// An empty frame with allocated buffers.
    init(width: Int, height: Int, format: AVPixelFormat) throws {
        guard let f = av_frame_alloc() else { throw GIDError.internal("out of memory allocating a frame") }
        frame = f
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        f.pointee.format = format.rawValue
        try check(av_frame_get_buffer(f, 0), .internal, "allocating a \(width)x\(height) \(MediaIO.pixelFormatName(format)) frame")
    }

    deinit {
        var p: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&p)
    }

    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }
    var format: AVPixelFormat { AVPixelFormat(rawValue: frame.pointee.format) }
    public var pixelFormatName: String { MediaIO.pixelFormatName(format) }

    /// True if the pixel format carries alpha.
    var hasAlpha: Bool {
        guard let d = av_pix_fmt_desc_get(format) else { return false }
        return d.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0
    }

    public func toRGB() throws -> RGBImage {
        try PixelConverter.toRGB(self)
    }
}
