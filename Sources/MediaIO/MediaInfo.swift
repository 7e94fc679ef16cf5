import CFFmpeg

/// Versions of the linked libraries, for --version and bench reports.
public enum MediaInfo {
    public static var libavcodecVersion: String {
        let v = avcodec_version()
        return "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)"
    }
}
