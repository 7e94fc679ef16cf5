import Graph
import MediaIO

/// The main command's settings, parsed ffmpeg-style: order matters for -f and -c:v (before -i
/// they describe the input, after it the output), which is why this is not swift-argument-parser.
struct Arguments {
    var input = "-"
    var inputFormat: String?
    var inputColorspace: String?  // -colorspace before -i
    var output = "-"
    var outputGiven = false
    var graph = ""
    var overwrite: Bool?          // -y true, -n false, nil ask/refuse
    var duration: Double?         // -t after -i
    var outputEnd: Double?        // -to after -i
    var inputStart = 0.0          // -ss before -i
    var outputStart = 0.0         // -ss after -i
    var inputDuration: Double?    // -t before -i
    var inputEnd: Double?         // -to before -i
    var frameRate: Rational?      // -r
    var size: (Int, Int)?         // -s
    var maxFrames: Int?           // -frames:v
    var noAudio = false           // -an
    var encode = EncodeOptions()
    var logLevel: LogLevel = .info
    var progressURL: String?
    var stats = true
    var frameLimit = Limits.generatedFrames   // -frame_limit
    var memoryBytes = Limits.memoryBytes      // -max_memory (GB)
}

/// One row of the option table: names, whether it takes a value, help text.
struct OptionRow: Sendable {
    let names: [String]
    let value: String?    // placeholder for help; nil = flag
    let help: String
    let apply: @Sendable (inout Arguments, String, _ afterInput: Bool) throws -> Void
}

enum ArgumentParser {
    static let rows: [OptionRow] = [
        OptionRow(names: ["-i"], value: "INPUT", help: "input file, or - for stdin (NUT, y4m, image pipes); default -") { a, v, _ in a.input = v },
        OptionRow(names: ["-f"], value: "FMT", help: "force format: before -i for the input (nut, yuv4mpegpipe, image2pipe, ...), after it for the output (mp4, webm, mkv, mov, gif, webp, nut, y4m, image2, null)") { a, v, after in
            if after { a.encode.format = v } else { a.inputFormat = v }
        },
        OptionRow(names: ["-colorspace"], value: "CS", help: "before -i: YUV matrix of the input (bt709, bt601, bt2020nc, ...), for pipes that cannot say it (NUT, y4m); default: the file's tag, else BT.601 below 720 lines and BT.709 from 720 up") { a, v, after in
            guard !after else { throw GIDError.usage("-colorspace \(v): give it before -i (it describes the input; output YUV is written BT.601 below 720 lines, BT.709 from 720, and tagged)") }
            a.inputColorspace = v
        },
        OptionRow(names: ["-vf", "-filter:v", "-filter_complex"], value: "GRAPH", help: "filter graph, e.g. \"lavfi='scale=512:-2',null\" (see: gid-filter filters)") { a, v, _ in a.graph = v },
        OptionRow(names: ["-y"], value: nil, help: "overwrite output files without asking") { a, _, _ in a.overwrite = true },
        OptionRow(names: ["-n"], value: nil, help: "never overwrite output files (exit with an error instead)") { a, _, _ in a.overwrite = false },
        OptionRow(names: ["-ss"], value: "POS", help: "before -i: start reading the input at POS (seconds or [HH:]MM:SS[.ms]; seeks where the file allows); after -i: drop the output's first POS seconds (everything is still decoded and filtered)") { a, v, after in
            guard let t = parseTime(v), t >= 0 else { throw GIDError.usage("-ss \(v): not a position (seconds or [HH:]MM:SS[.ms], at most 1e6 s)") }
            if after { a.outputStart = t } else { a.inputStart = t }
        },
        OptionRow(names: ["-t"], value: "SECONDS", help: "after -i: output duration (a still is repeated this long); before -i: read only this much of the input") { a, v, after in
            guard let t = parseTime(v), t > 0 else { throw GIDError.usage("-t \(v): not a positive duration (seconds or [HH:]MM:SS[.ms], at most 1e6 s)") }
            if after { a.duration = t } else { a.inputDuration = t }
        },
        OptionRow(names: ["-to"], value: "POS", help: "before -i: stop reading the input at POS (with -ss, reads POS - ss seconds); after -i: stop the output at POS") { a, v, after in
            guard let t = parseTime(v), t > 0 else { throw GIDError.usage("-to \(v): not a positive position (seconds or [HH:]MM:SS[.ms], at most 1e6 s)") }
            if after { a.outputEnd = t } else { a.inputEnd = t }
        },
        OptionRow(names: ["-r"], value: "FPS", help: "output frame rate (25, 29.97, 30000/1001)") { a, v, _ in
            guard let r = Rational(parsing: v), Limits.frameRate.contains(r.value) else { throw GIDError.usage("-r \(v): not a frame rate in 0.001...1000") }
            a.frameRate = r
        },
        OptionRow(names: ["-s"], value: "WxH", help: "output size, e.g. 512x288 (-1 or -2 keeps the aspect ratio)") { a, v, _ in
            let p = v.lowercased().split(separator: "x").map { Int($0) }
            guard p.count == 2, let w = p[0], let h = p[1], w != 0, h != 0, w >= -2, h >= -2, w <= 16384, h <= 16384, !(w < 0 && h < 0) else {
                throw GIDError.usage("-s \(v): not a size WxH (1..16384, or -1/-2 for one side)")
            }
            a.size = (w, h)
        },
        OptionRow(names: ["-frames:v", "-vframes"], value: "N", help: "stop after N output frames") { a, v, _ in
            guard let n = Int(v), n > 0 else { throw GIDError.usage("-frames:v \(v): not a positive count") }
            a.maxFrames = n
        },
        OptionRow(names: ["-frame_limit"], value: "N", help: "most frames one filter may make from one input (a render clip, lavfi tpad/loop, a still repeated by -t); stops endless sources; default 500000, 0 = no limit") { a, v, _ in
            guard let n = Int(v), n >= 0 else { throw GIDError.usage("-frame_limit \(v): not a count (0 = no limit)") }
            a.frameLimit = n
        },
        OptionRow(names: ["-max_memory"], value: "GB", help: "memory a render may plan to use (its peak follows from its size, see docs/limits.md); default half the RAM") { a, v, _ in
            guard let g = Double(v), g > 0, g <= 1e6 else { throw GIDError.usage("-max_memory \(v): not a size in GB") }
            a.memoryBytes = g * 1e9
        },
        OptionRow(names: ["-an"], value: nil, help: "no audio in the output (otherwise the input's audio is copied when the graph keeps timing)") { a, _, _ in a.noAudio = true },
        OptionRow(names: ["-c:a", "-acodec", "-codec:a"], value: "copy", help: "only copy is taken: audio is copied untouched or dropped, never re-encoded") { _, v, _ in
            guard v == "copy" else { throw GIDError.usage("-c:a \(v): gid-filter copies audio untouched (-c:a copy) or drops it (-an); re-encode with ffmpeg afterwards") }
        },
        OptionRow(names: ["-c:v", "-vcodec", "-codec:v"], value: "CODEC", help: "video encoder (libx264, libvpx-vp9, ffv1, rawvideo, png, ...)") { a, v, _ in a.encode.codec = v },
        OptionRow(names: ["-crf"], value: "N", help: "constant quality (x264 default 23, VP9 default 31; lower is better)") { a, v, _ in
            guard let n = Int(v), (0...63).contains(n) else { throw GIDError.usage("-crf \(v): not an integer in 0..63") }
            a.encode.crf = n
        },
        OptionRow(names: ["-preset"], value: "P", help: "encoder speed preset (ultrafast .. veryslow; mapped to VP9 speeds)") { a, v, _ in
            let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]
            guard presets.contains(v) else { throw GIDError.usage("-preset \(v): not one of \(presets.joined(separator: ", "))") }
            a.encode.preset = v
        },
        OptionRow(names: ["-pix_fmt"], value: "FMT", help: "output pixel format (yuv420p, yuv444p, rgb24, ...)") { a, v, _ in a.encode.pixelFormat = v },
        OptionRow(names: ["-b:v"], value: "RATE", help: "video bitrate (e.g. 2M); for VP9 replaces constant-quality mode") { a, v, _ in a.encode.bitrate = v },
        OptionRow(names: ["-loglevel", "-v"], value: "LEVEL", help: "quiet, error, warning, info (default), verbose, debug") { a, v, _ in
            guard let l = LogLevel(parsing: v) else { throw GIDError.usage("-loglevel \(v): use quiet, panic, fatal, error, warning, info, verbose, debug or trace") }
            a.logLevel = l
        },
        OptionRow(names: ["-progress"], value: "URL", help: "write ffmpeg-style key=value progress to a file, or - for stdout") { a, v, _ in a.progressURL = v },
        OptionRow(names: ["-nostats"], value: nil, help: "no progress line on stderr") { a, _, _ in a.stats = false },
        OptionRow(names: ["-stats"], value: nil, help: "progress line on stderr when it is a terminal (default)") { a, _, _ in a.stats = true },
        OptionRow(names: ["-hide_banner"], value: nil, help: "accepted for ffmpeg compatibility (there is no banner)") { _, _, _ in },
    ]

    /// Parses the main command's arguments (without the program name).
    static func parse(_ argv: [String]) throws -> Arguments {
        var a = Arguments()
        var afterInput = false
        var i = 0
        var positional: [String] = []
        while i < argv.count {
            let arg = argv[i]
            if arg.hasPrefix("-"), arg != "-", !isNegativeNumber(arg) {
                guard let row = rows.first(where: { $0.names.contains(arg) }) else {
                    throw GIDError.usage("unknown option '\(arg)' (see gid-filter -h)")
                }
                var value = ""
                if row.value != nil {
                    guard i + 1 < argv.count else { throw GIDError.usage("option '\(arg)' needs a value (\(row.value!))") }
                    value = argv[i + 1]
                    i += 1
                }
                try row.apply(&a, value, afterInput)
                if row.names.contains("-i") { afterInput = true }
            } else {
                positional.append(arg)
                afterInput = true
            }
            i += 1
        }
        guard positional.count <= 1 else {
            throw GIDError.usage("more than one output given (\(positional.joined(separator: ", "))); gid-filter writes one output")
        }
        if let o = positional.first {
            a.output = o
            a.outputGiven = true
        }
        _ = try a.readRange()
        _ = try a.outputDuration()
        return a
    }

    static func isNegativeNumber(_ s: String) -> Bool { Double(s) != nil }

    /// Seconds from "3", "2.5", "00:01:02.5" or "1:02", within `Limits.seconds` (about 11 days).
    static func parseTime(_ s: String) -> Double? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        let t = parts.reduce(0.0) { $0 * 60 + $1! }
        return t <= Limits.seconds.upperBound ? t : nil
    }

    /// The option section of --help.
    static var helpText: String {
        let names = rows.map { $0.names.joined(separator: ", ") + ($0.value.map { " \($0)" } ?? "") }
        let width = names.map(\.count).max() ?? 0
        return zip(names, rows).map { name, row in
            "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.help
        }.joined(separator: "\n")
    }
}

extension Arguments {
    /// The part of the input that -ss / -t / -to before -i select.
    func readRange() throws -> ReadRange {
        ReadRange(start: inputStart, duration: try ReadRange.length(from: inputStart, duration: inputDuration, end: inputEnd, whatWouldBe: "read"))
    }

    /// How long the output runs after its -ss (-t, else -to minus -ss).
    func outputDuration() throws -> Double? {
        try ReadRange.length(from: outputStart, duration: duration, end: outputEnd, whatWouldBe: "written")
    }
}
