import Foundation
import Testing

/// Runs the real gid-filter binary (built beside this test bundle) and other real programs.
enum Tool {
    /// The package root (for Samples/ and shared data).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The gid-filter executable of this build.
    static let binary: String = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let p = candidate.appendingPathComponent("gid-filter").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return root.appendingPathComponent(".build/debug/gid-filter").path
    }()

    static func sample(_ name: String) -> String { root.appendingPathComponent("Samples/\(name)").path }
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Tests/CLITests/Fixtures/\(name)").path }
    /// ../shared/data beside the checkout, if present (absent in a user's clone).
    static let sharedData: String? = {
        let p = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
        return FileManager.default.fileExists(atPath: p) ? p : nil
    }()

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// Runs a command line through bash (so tests can use real pipes), in `dir`.
    @discardableResult
    static func shell(_ command: String, in dir: String, stdin: Data? = nil, env extra: [String: String] = [:]) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env["G"] = binary
        env.merge(extra) { $1 }
        let r = try run("/bin/bash", ["-o", "pipefail", "-c", command], in: dir, stdin: stdin, env: env)
        return Result(status: r.status, stdout: r.stdout, stderr: String(decoding: r.stderr, as: UTF8.self))
    }

    /// What `run` saw: the exit status, whether a signal ended the program (not our time limit),
    /// whether the time limit did, and both outputs.
    struct Run {
        var status: Int32
        var signaled: Bool
        var timedOut: Bool
        var stdout: Data
        var stderr: Data
    }

    /// Runs a program directly (no shell, so a signal death shows as one), killed after `timeout`.
    static func run(_ executable: String, _ args: [String], in dir: String, stdin: Data? = nil,
                    env: [String: String]? = nil, timeout: TimeInterval? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        if let env { p.environment = env }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(stdin)
            try inPipe.fileHandleForWriting.close()
        }
        nonisolated(unsafe) var timedOut = false
        let timer = DispatchWorkItem {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
        }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer) }
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        return Run(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal && !timedOut,
                   timedOut: timedOut, stdout: outData, stderr: errData)
    }

    /// Runs gid-filter with arguments (no shell), in `dir`.
    @discardableResult
    static func gid(_ args: [String], in dir: String, stdin: Data? = nil, env: [String: String] = [:]) throws -> Result {
        try shell("\"$G\" " + args.map(quote).joined(separator: " "), in: dir, stdin: stdin, env: env)
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// ffprobe's view of the first video stream: key -> value.
    static func probe(_ file: String, in dir: String, count: Bool = true) throws -> [String: String] {
        let r = try shell("ffprobe -v error \(count ? "-count_frames" : "") -select_streams v:0 -show_entries stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate:format=duration,format_name -of default=nw=1 \(quote(file))", in: dir)
        var d: [String: String] = [:]
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { d[kv[0]] = kv[1] }
        }
        return d
    }

    /// A fresh empty folder for one test.
    static func tempDir() throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("gid-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    /// Files in `dir` (names), hidden ones included: temp outputs must not survive.
    static func files(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
