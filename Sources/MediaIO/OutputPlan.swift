import CFFmpeg
import Foundation
import Graph

/// What to write, decided from `-f`, the extension and `-c:v` before any frame arrives.
public struct OutputPlan: Sendable {
    /// libavformat muxer name ("mp4", "webm", "image2", ...).
    public var muxer: String
    /// Encoder name ("libx264", "rawvideo", ...).
    public var codec: String
    /// True for `frame_%04d.png` style outputs (many files).
    public var isImageSequence: Bool
    /// True for a single picture (out.png): the last frame wins, as ffmpeg's -update 1.
    public var isSingleImage: Bool

    /// Extensions we know, with their muxer.
    static let muxerByExtension: [String: String] = [
        "mp4": "mp4", "m4v": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm", "gif": "gif",
        "webp": "webp", "nut": "nut", "y4m": "yuv4mpegpipe", "png": "image2", "jpg": "image2",
        "jpeg": "image2", "bmp": "image2", "tif": "image2", "tiff": "image2",
    ]

    /// Aliases accepted by -f, mapped to libavformat names.
    static let muxerAliases: [String: String] = ["mkv": "matroska", "y4m": "yuv4mpegpipe", "image2pipe": "image2pipe"]

    static let imageCodecByExtension: [String: String] = [
        "png": "png", "jpg": "mjpeg", "jpeg": "mjpeg", "bmp": "bmp", "tif": "tiff", "tiff": "tiff",
    ]

    /// Decides the plan; throws a usage error naming the output when it cannot.
    public init(path: String, format: String?, codec: String?) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        var muxer: String
        if let format {
            muxer = Self.muxerAliases[format] ?? format
            guard av_guess_format(muxer, nil, nil) != nil else {
                throw GIDError.usage("\(path): unknown output format '\(format)' (try mp4, webm, mkv, mov, gif, webp, nut, y4m, image2, null)")
            }
        } else if path == "-" {
            muxer = "nut"
        } else if let m = Self.muxerByExtension[ext] {
            muxer = m
        } else {
            throw GIDError.usage("\(path): cannot tell the output format from " +
                (ext.isEmpty ? "a name without extension" : "extension '.\(ext)'") +
                "; use -f (mp4, webm, mkv, mov, gif, webp, nut, y4m, image2, null)")
        }
        isImageSequence = muxer == "image2" && path.contains("%")
        isSingleImage = muxer == "image2" && !isImageSequence
        self.muxer = muxer
        let chosen = codec ?? Self.defaultCodec(muxer: muxer, ext: ext)
        guard let chosen else {
            throw GIDError.usage("\(path): no default video codec for format '\(muxer)'; use -c:v")
        }
        guard avcodec_find_encoder_by_name(chosen) != nil else {
            throw GIDError.codec("\(path): encoder '\(chosen)' is not available in this libavcodec")
        }
        self.codec = chosen
    }

    static func defaultCodec(muxer: String, ext: String) -> String? {
        switch muxer {
        case "mp4", "mov", "matroska": return "libx264"
        case "webm": return "libvpx-vp9"
        case "gif": return "gif"
        case "webp": return "libwebp_anim"
        case "nut", "rawvideo": return "rawvideo"
        case "yuv4mpegpipe", "null": return "wrapped_avframe"
        case "image2", "image2pipe": return imageCodecByExtension[ext] ?? "png"
        default:
            guard let f = av_guess_format(muxer, nil, nil), let c = avcodec_find_encoder(f.pointee.video_codec) else { return nil }
            return String(cString: c.pointee.name)
        }
    }

    /// Whether the container can carry a copied audio stream.
    var carriesAudio: Bool { ["mp4", "mov", "matroska", "webm", "nut"].contains(muxer) }
}
