import Foundation

/// ffmpeg's -loglevel scale.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case quiet = -8, panic = 0, fatal = 8, error = 16, warning = 24, info = 32, verbose = 40, debug = 48, trace = 56

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// Accepts ffmpeg's names and numbers ("warning", "24").
    public init?(parsing s: String) {
        if let n = Int(s) {
            self = LogLevel.allCases.last(where: { $0.rawValue <= n }) ?? .quiet
            return
        }
        switch s.lowercased() {
        case "quiet": self = .quiet
        case "panic": self = .panic
        case "fatal": self = .fatal
        case "error": self = .error
        case "warning": self = .warning
        case "info": self = .info
        case "verbose": self = .verbose
        case "debug": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }
}

/// Writes diagnostics to stderr (never stdout: it carries media in pipe mode).
public enum Log {
    nonisolated(unsafe) public static var level: LogLevel = .info

    public static func write(_ level: LogLevel, _ message: String) {
        guard level <= Log.level, Log.level != .quiet else { return }
        let line = message.hasSuffix("\n") ? message : message + "\n"
        line.utf8CString.withUnsafeBufferPointer { buf in
            _ = Foundation.write(2, buf.baseAddress, buf.count - 1)
        }
    }

    public static func error(_ m: String) { write(.error, m) }
    public static func warning(_ m: String) { write(.warning, m) }
    public static func info(_ m: String) { write(.info, m) }
    public static func verbose(_ m: String) { write(.verbose, m) }
    public static func debug(_ m: String) { write(.debug, m) }
}
