import Foundation
import Graph

/// Progress while encoding: a one-line bar on stderr (only on a terminal) and, with -progress,
/// ffmpeg's key=value blocks (frame=, fps=, out_time_us=, speed=, progress=continue|end).
final class Progress {
    private let showBar: Bool
    private let report: FileHandle?
    private let start = Date()
    private var lastUpdate = Date.distantPast
    private let expected: Double?

    init(stats: Bool, url: String?, outputIsStdout: Bool, expectedSeconds: Double?) throws {
        showBar = stats && isatty(2) == 1 && Log.level >= .info
        expected = expectedSeconds
        switch url {
        case nil:
            report = nil
        case "-", "pipe:1":
            guard !outputIsStdout else { throw GIDError.usage("-progress -: stdout already carries the output; give a file name") }
            report = FileHandle.standardOutput
        case "pipe:2":
            report = FileHandle.standardError
        case let path?:
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw GIDError.output("\(path): cannot write progress: \(String(cString: strerror(errno)))")
            }
            report = h
        }
    }

    /// Called after each output frame; prints at most twice a second.
    func update(frames: Int, outTime: Double, force: Bool = false, done: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastUpdate) >= 0.5 else { return }
        lastUpdate = now
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let fps = Double(frames) / elapsed
        let speed = outTime / elapsed
        if showBar {
            var line = String(format: "frame=%6d fps=%6.1f time=%@ speed=%5.2fx", frames, fps, Self.clock(outTime), speed)
            if let expected, expected > 0 {
                let p = min(1, outTime / expected)
                let width = 20
                let filled = Int(p * Double(width))
                line += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]" + String(format: " %3d%%", Int(p * 100))
            }
            FileHandle.standardError.write(("\r" + line + (done ? "\n" : "\u{1B}[K")).data(using: .utf8)!)
        }
        if let report {
            let block = """
                frame=\(frames)
                fps=\(String(format: "%.2f", fps))
                out_time_us=\(Int64(outTime * 1e6))
                out_time_ms=\(Int64(outTime * 1e6))
                out_time=\(Self.clock(outTime, micro: true))
                speed=\(String(format: "%.3fx", speed))
                progress=\(done ? "end" : "continue")

                """
            report.write(block.data(using: .utf8)!)
        }
    }

    /// Clears the bar line so the next message starts clean.
    func finish(frames: Int, outTime: Double) {
        update(frames: frames, outTime: outTime, force: true, done: true)
    }

    static func clock(_ t: Double, micro: Bool = false) -> String {
        let total = max(0, t)
        let h = Int(total / 3600), m = Int(total.truncatingRemainder(dividingBy: 3600) / 60)
        let s = total.truncatingRemainder(dividingBy: 60)
        return micro ? String(format: "%02d:%02d:%09.6f", h, m, s) : String(format: "%02d:%02d:%05.2f", h, m, s)
    }
}
