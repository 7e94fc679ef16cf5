import CFFmpeg
import Graph

/// libav's text for an error code ("Invalid data found when processing input").
func avErrorString(_ code: Int32) -> String {
    var buf = [CChar](repeating: 0, count: 256)
    gid_strerror(code, &buf, buf.count)
    return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

let AVERROR_EOF_ = gid_averror_eof()
let AVERROR_EAGAIN_ = gid_averror_eagain()
let AVERROR_EXIT_ = gid_averror_exit()
let AV_NOPTS = gid_nopts()

/// Every libav status goes through here: negative codes become a GIDError of `kind`.
@discardableResult
func check(_ code: Int32, _ kind: GIDError.Kind, _ what: @autoclosure () -> String) throws -> Int32 {
    if code >= 0 { return code }
    if code == AVERROR_EXIT_, Interrupt.requested { throw GIDError(.interrupted, "interrupted") }
    throw GIDError(kind, "\(what()): \(explain(code))")
}

/// Converts a libav rational.
extension Rational {
    init(_ r: AVRational) { self.init(Int(r.num), Int(r.den)) }
    var av: AVRational { AVRational(num: Int32(clamping: num), den: Int32(clamping: den)) }
}

/// Name of a pixel format as libav spells it.
func pixelFormatName(_ f: AVPixelFormat) -> String {
    guard let p = av_get_pix_fmt_name(f) else { return "none" }
    return String(cString: p)
}

/// Parses a libav pixel-format name ("yuv420p") or throws a usage error.
public func pixelFormat(named name: String) throws -> Int32 {
    let f = av_get_pix_fmt(name)
    guard f != AV_PIX_FMT_NONE else { throw GIDError.usage("unknown pixel format '\(name)'") }
    return f.rawValue
}

/// For tests: a common planar format without reaching into CFFmpeg.
let AV_PIX_FMT_YUV444P_ = AV_PIX_FMT_YUV444P
