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

    /// While set, info and warning lines wait in `held` (see `holdNotices`).
    nonisolated(unsafe) private static var holding = false
    nonisolated(unsafe) private static var held: [String] = []
    nonisolated(unsafe) private static var overflow = 0
    private static let heldLock = NSLock()
    private static let maxHeld = 100

    /// From now on, info and warning lines wait until `releaseNotices` (the run succeeded) or
    /// are dropped by `dropNotices` (it failed): a failure is then exactly one line, its error,
    /// not "measuring 1 s of the clip" followed by why that was impossible.
    public static func holdNotices() { heldLock.withLock { holding = true } }

    /// Prints the held lines in order and stops holding.
    public static func releaseNotices() {
        let (lines, more) = heldLock.withLock {
            defer { holding = false; held = []; overflow = 0 }
            return (held, overflow)
        }
        for line in lines { emit(line) }
        if more > 0 { emit("(\(more) more notices not shown)\n") }
    }

    /// Forgets the held lines and stops holding.
    public static func dropNotices() {
        heldLock.withLock { holding = false; held = []; overflow = 0 }
    }

    public static func write(_ level: LogLevel, _ message: String) {
        guard level <= Log.level, Log.level != .quiet else { return }
        let line = message.hasSuffix("\n") ? message : message + "\n"
        if level == .info || level == .warning {
            let kept = heldLock.withLock {
                guard holding else { return false }
                if held.count < maxHeld { held.append(line) } else { overflow += 1 }
                return true
            }
            if kept { return }
        }
        emit(line)
    }

    private static func emit(_ line: String) {
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
