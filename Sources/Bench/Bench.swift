import Foundation
import Graph
import RenderFilter
import SpectralVolume

/// `gid-filter bench`: times gid-filter against the ffmpeg CLI on the same job in one run and
/// prints the ratio (issue 3's figure: decode -> null -> x264 veryfast at 512x288, 300 frames).
/// `--spectral` times the motion transforms and the renderer instead (issue 4's figures).
public enum Bench {
    public static func run(_ argv: [String]) throws {
        if argv.contains("--render-quality") || argv.contains("--render-speed") { return try BenchRender.run(argv) }
        if argv.contains("--render-pairs") { return try BenchRenderPairs.run(argv) }
        if argv.contains("--spectral") {
            print(SpectralBenchmark.run())
            print(try RenderFilterBenchmark.run())
            return
        }
        var frames = 300
        var rounds = 3
        var source: String?
        var i = 0
        while i < argv.count {
            switch argv[i] {
            case "--frames": frames = try number(argv[safe: i + 1], for: "bench --frames", atLeast: 1); i += 1
            case "--rounds": rounds = try number(argv[safe: i + 1], for: "bench --rounds", atLeast: 1); i += 1
            case "--source": source = argv[safe: i + 1]; i += 1
            default: throw GIDError.usage("bench: unknown option '\(argv[i])' (use --frames N, --rounds N, --source FILE, or --spectral)")
            }
            i += 1
        }
        guard let ffmpeg = which("ffmpeg") else { throw GIDError.usage("bench: the ffmpeg CLI is needed as the peer (apt-get install ffmpeg)") }
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gid-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // The input: a real clip scaled to 512x288, looped as needed to reach the frame count (H.264).
        let input = "\(dir)/in.mp4"
        let src = source ?? defaultSource()
        var make = ["-v", "error", "-y"]
        if let src { make += ["-stream_loop", "-1", "-i", src] } else { make += ["-f", "lavfi", "-i", "testsrc2=size=512x288:rate=25"] }
        make += ["-vf", "scale=512:288,setsar=1", "-frames:v", "\(frames)", "-an", "-c:v", "libx264", "-preset", "fast", "-crf", "18", input]
        try runChecked(ffmpeg, make)
        print("bench: decode -> null -> encode (libx264 veryfast crf 23), 512x288, \(frames) frames, \(rounds) rounds")
        print("bench: source \(src ?? "testsrc2 (no sample found)")")

        let jobs: [(String, String, [String])] = [
            ("mp4/x264 veryfast", "out.mp4", ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]),
            ("nut/rawvideo", "out.nut", ["-c:v", "rawvideo"]),
            ("null", "-", ["-f", "null"]),
        ]
        for (name, outName, enc) in jobs {
            let out = outName == "-" ? "-" : "\(dir)/\(outName)"
            var ours: [Double] = [], theirs: [Double] = []
            for _ in 0..<rounds {
                ours.append(try time(me, ["-nostats", "-y", "-i", input, "-vf", "null"] + enc + [out]))
                theirs.append(try time(ffmpeg, ["-nostats", "-v", "error", "-y", "-i", input, "-vf", "null", "-an"] + enc + [out]))
            }
            let o = median(ours), t = median(theirs)
            print(String(format: "%-20@ gid-filter %.3f s (%.0f fps)   ffmpeg %.3f s (%.0f fps)   ratio %.3fx", name as NSString,
                         o, Double(frames) / o, t, Double(frames) / t, o / t))
        }
    }

    static func defaultSource() -> String? {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let candidates = ["Samples/clips/dollhouse-fire.mkv", "../shared/data/clips/fire__furg_dollhouse_burning.mkv"]
        return candidates.map { here.appendingPathComponent($0).path }.first { FileManager.default.fileExists(atPath: $0) }
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func runChecked(_ exe: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw GIDError.internal("bench: \(exe) \(args.joined(separator: " ")) exited with \(p.terminationStatus)")
        }
    }

    static func time(_ exe: String, _ args: [String]) throws -> Double {
        let t0 = Date()
        try runChecked(exe, args)
        return Date().timeIntervalSince(t0)
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

    /// A numeric bench option's value; a missing, non-numeric or too small one is a usage error
    /// (exit 2) rather than a run with the default that the user did not ask for.
    static func number<T: LosslessStringConvertible & Comparable>(_ value: String?, for option: String,
                                                                   atLeast minimum: T) throws -> T {
        guard let value, let n = T(value), n >= minimum else {
            let least = "\(minimum)".hasSuffix(".0") ? String("\(minimum)".dropLast(2)) : "\(minimum)"
            throw GIDError.usage("\(option) takes a number >= \(least), not '\(value ?? "")'")
        }
        if let f = n as? Float, !f.isFinite { throw GIDError.usage("\(option) takes a finite number, not '\(value)'") }
        return n
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
