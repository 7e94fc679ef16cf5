import CFFmpeg

/// Versions of the linked libraries, for --version and bench reports.
public enum MediaInfo {
    public static var libavcodecVersion: String { dotted(avcodec_version()) }

    /// "libavcodec 59.37.100, libavformat 59.27.100, ..." for -version (libavfilter is loaded on
    /// first use, so it is not named here).
    public static var libraryVersions: String {
        [("libavcodec", avcodec_version()), ("libavformat", avformat_version()), ("libavutil", avutil_version()),
         ("libswscale", swscale_version())].map { "\($0.0) \(dotted($0.1))" }.joined(separator: ", ")
    }

    private static func dotted(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xff).\(v & 0xff)" }
}
