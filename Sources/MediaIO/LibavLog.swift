import CFFmpeg
import Foundation
import Graph
import Synchronization

/// Routes libav's own log lines: kept quiet by default (our one-line errors say what failed), and
/// the last error-level line is remembered so those errors can quote libav's reason
/// ("moov atom not found") instead of a generic code.
public enum LibavLog {
    private static let last = Mutex<String>("")
    // libav often logs one line in several calls: pieces gather here until the newline.
    private static let partial = Mutex<String>("")
    nonisolated(unsafe) private static var passThrough: Int32 = AV_LOG_QUIET

    /// Installs the callback; `level` is the user's -loglevel (libav lines print at >= verbose).
    public static func install(level: LogLevel) {
        passThrough = level >= .verbose ? Int32(level.rawValue) : AV_LOG_QUIET
        // Not higher: some wrappers (libwebp_anim) turn on their own stderr chatter at verbose.
        av_log_set_level(max(AV_LOG_ERROR, passThrough))
        av_log_set_callback { _, level, fmt, args in
            guard let fmt, let args else { return }
            guard level <= AV_LOG_ERROR || level <= LibavLog.passThrough else { return }
            var buf = [CChar](repeating: 0, count: 1024)
            _ = vsnprintf(&buf, buf.count, fmt, args)
            let line = String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if level <= AV_LOG_ERROR {
                let whole: String? = LibavLog.partial.withLock { p in
                    p += line
                    guard p.hasSuffix("\n") else { return nil }
                    defer { p = "" }
                    return p
                }
                let trimmed = whole?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if !trimmed.isEmpty { LibavLog.last.withLock { $0 = trimmed } }
            }
            if level <= LibavLog.passThrough { Log.write(.verbose, "[libav] " + line) }
        }
    }

    /// Takes (and clears) libav's last error line.
    static func takeLastError() -> String? {
        last.withLock { s in
            defer { s = "" }
            return s.isEmpty ? nil : s
        }
    }

    /// Clears the remembered line before an operation whose failure we want to explain.
    static func reset() { _ = takeLastError() }
}

/// An error message with libav's own reason appended when it gave one.
func explain(_ code: Int32) -> String {
    let base = avErrorString(code)
    if let detail = LibavLog.takeLastError(), !detail.isEmpty, detail != base { return "\(base) (\(detail))" }
    return base
}
