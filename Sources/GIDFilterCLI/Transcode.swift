import Foundation
import Graph
import MediaIO
import SpectralVolume

/// The main job: source -> decode -> filter chain -> (still repeat, -t, -frames) -> encode -> sink.
///
/// A motion file input (`.gidm`, or `-f gidm`) enters the chain as one motion item; a chain that
/// ends in motion gets a `render` appended (it takes -s and -r, so the motion is resampled rather
/// than the rendered pixels), or, for a `.gidm` output, its scene is written as a motion file;
/// for an `.html` output it ends in `viewer` (appended if missing) and the page is written.
struct Transcode {
    let args: Arguments

    /// True when the input is a motion file rather than media.
    var readsMotion: Bool { Self.isMotion(path: args.input, format: args.inputFormat) }
    /// True when the output is a motion file rather than media.
    var writesMotion: Bool { Self.isMotion(path: args.output, format: args.encode.format) }

    /// True when the output is the viewer's HTML page.
    var writesPage: Bool { args.encode.format.map { $0 == "html" } ?? args.output.lowercased().hasSuffix(".html") }

    static func isMotion(path: String, format: String?) -> Bool {
        format.map { $0 == "gidm" } ?? path.lowercased().hasSuffix(".gidm")
    }

    func run() throws {
        let mayReplace = try checkPaths()
        let range = try args.readRange()
        if readsMotion && range != ReadRange() {
            throw GIDError.usage("\(args.input): -ss, -t and -to before -i select part of a media input; a motion file has no frames to skip (use render=duration or -t after -i)")
        }
        let source = try Source(path: args.input, format: args.inputFormat, colorspace: args.inputColorspace, range: range,
                                motion: readsMotion)
        // A still has no length to cut: -t before -i then says how long to show it, as -t after -i.
        let duration = try args.outputDuration() ?? (source.info.isStill ? args.inputDuration : nil)
        let chain = try FilterChain(registry: registry, filters: try filters(for: source.info),
                                    input: source.info, logLevel: args.logLevel,
                                    outputSeconds: duration.map { $0 + args.outputStart })
        if writesMotion || writesPage {
            do {
                return try writesPage ? savePage(source: source, chain: chain, replacing: mayReplace)
                    : saveMotion(source: source, chain: chain, replacing: mayReplace)
            } catch {
                throw source.reader.map { Self.blamingDamage(error, reader: $0) } ?? error
            }
        }
        var out = chain.output
        guard out.kind == .frames else {
            throw GIDError.usage("the graph ends with a motion stream; end it with a filter that renders frames")
        }
        let repeatStill = out.isStill && duration != nil
        if repeatStill {
            out.frameRate = args.frameRate ?? Rational(25, 1)
            out.timeBase = out.frameRate!.inverted
        }
        let keepsTiming = !repeatStill && args.frameRate == nil && chain.stages.allSatisfy(\.node.preservesTiming)
        // -t, -ss, -frames:v and -r cut or retime the clip: its end no longer meets its start.
        if duration != nil || args.outputStart > 0 || args.maxFrames != nil || args.frameRate != nil { out.loops = false }
        let reader = source.reader
        let audio = keepsTiming && !args.noAudio ? reader?.audioStream : nil
        if reader?.audioStream != nil && audio == nil && !args.noAudio {
            Log.info("\(args.input): audio dropped (the graph or -r/-t on a still changes timing)")
        }
        var encode = args.encode
        encode.noClobber = !mayReplace
        let writer = WriteBehind(try MediaWriter(path: args.output, options: encode, input: out, audio: audio))
        if let reader, audio != nil {
            let limit = duration, skip = args.outputStart
            reader.audioPacket = { try writer.writeAudio($0.shifted(by: skip), limit: limit) }
        }
        try reader?.deliverHeldAudio()
        // A motion input's length is the clip the chain renders, not anything the file says.
        let expected = duration ?? (readsMotion ? out.duration : source.info.duration).map { max(0, $0 - args.outputStart) }
        let progress = try Progress(stats: args.stats, url: args.progressURL, outputIsStdout: args.output == "-",
                                    expectedSeconds: expected)
        var sink = Sink(writer: writer, progress: progress, skip: repeatStill ? 0 : args.outputStart, limit: duration,
                        maxFrames: args.maxFrames, repeatRate: repeatStill ? out.frameRate : nil)
        do {
            do {
                while !sink.full, let item = try source.next() {
                    try chain.push(item) { try sink.take($0) }
                }
                if !sink.full { try chain.finish { try sink.take($0) } }
            } catch is Sink.Full {}  // -t or -frames:v reached while a filter was still emitting
            if sink.frames == 0, args.outputStart > 0 {
                throw GIDError.input("\(args.input): -ss \(ReadRange.seconds(args.outputStart)) after -i drops every frame of the output (it ends at \(ReadRange.seconds(sink.seen)) s)")
            }
            try sink.close()
        } catch {
            writer.abort()
            throw reader.map { Self.blamingDamage(error, reader: $0) } ?? error
        }
        if let damage = reader?.damage { Log.warning("\(args.input): \(damage)") }
        Log.verbose("\(args.output): \(writer.framesWritten) frames written")
    }

    /// A failure after the decoder skipped damaged packets is the input's fault (too few frames
    /// left for motion, say): exit 3, one line that says both.
    static func blamingDamage(_ error: Error, reader: MediaReader) -> Error {
        guard let damage = reader.damage, let e = error as? GIDError, [.usage, .codec, .internal].contains(e.kind) else { return error }
        return GIDError.input("\(reader.path): damaged input, \(damage); then: \(e.message)")
    }

    /// Runs the chain and writes the first scene it ends with as a motion file.
    private func saveMotion(source: Source, chain: FilterChain, replacing: Bool) throws {
        guard chain.output.kind == .motion else {
            throw GIDError.usage("\(args.output): a motion file needs a graph that ends with motion, not \(chain.output.kind)")
        }
        var scene: Scene?
        let keep: Emit = { item in
            if scene == nil, case .motion(let m) = item { scene = m as? Scene }
        }
        while scene == nil, let item = try source.next() { try chain.push(item, emit: keep) }
        if scene == nil { try chain.finish(emit: keep) }
        guard let scene else { throw GIDError.input("\(args.input): no motion came out of the graph") }
        if args.output == "-" {
            try MotionFile.writeToStandardOutput(scene)
        } else {
            try MotionFile.write(scene, to: args.output, replacing: replacing)
        }
    }

    /// Runs the chain and writes the viewer page it ends with.
    private func savePage(source: Source, chain: FilterChain, replacing: Bool) throws {
        var page: (any DocumentItem)?
        let keep: Emit = { item in
            if page == nil, case .motion(let m) = item { page = m as? any DocumentItem }
        }
        while page == nil, let item = try source.next() { try chain.push(item, emit: keep) }
        if page == nil { try chain.finish(emit: keep) }
        guard let page else { throw GIDError.input("\(args.input): no motion came out of the graph") }
        if args.output == "-" {
            try page.bytes.withUnsafeBytes { try writeAll(1, $0, what: "-: cannot write the page") }
        } else {
            try TempFiles.write(page.bytes, to: args.output, replacing: replacing)
        }
    }

    /// The user's graph plus the output conversions that -s and -r ask for.
    private func filters(for input: StreamInfo) throws -> [ParsedFilter] {
        var list = try GraphParser.parse(args.graph)
        if let i = list.firstIndex(where: { $0.name == "viewer" }) {
            guard i == list.count - 1 else {
                throw GIDError.usage("viewer must be the last filter of the graph (it turns the scene into a page)")
            }
            guard writesPage else {
                throw GIDError.usage("\(args.output): viewer writes an HTML page; give an output ending in .html")
            }
        }
        if writesPage {
            // Frames before it get `motion` inserted by the registry's conversion, as for render.
            if list.last?.name != "viewer" { list.append(ParsedFilter(name: "viewer")) }
            if args.size != nil || args.frameRate != nil {
                throw GIDError.usage("\(args.output): -s and -r do not apply to a viewer page (use viewer=width=W)")
            }
            return list
        }
        var size = args.size, rate = args.frameRate
        // Follow the kinds along the chain: slowmo gives what it gets, others their own kind.
        let endKind = try list.reduce(input.kind) { kind, f in try registry.lookup(f.name).outputKind(for: kind) }
        if endKind == .motion && !writesMotion {
            var renderArgs: [FilterArgument] = []
            if let (w, h) = size, w > 0, h > 0 {
                renderArgs.append(FilterArgument(key: "size", value: "\(w)x\(h)"))
                size = nil
            }
            if let r = rate {
                renderArgs.append(FilterArgument(key: "fps", value: "\(r.value)"))
                rate = nil
            }
            list.append(ParsedFilter(name: "render", id: "out", args: renderArgs))
        }
        if let (w, h) = size {
            list.append(ParsedFilter(name: "lavfi", id: "size", args: [FilterArgument(key: nil, value: "scale=\(w):\(h)")]))
        }
        if let r = rate, !input.isStill {
            list.append(ParsedFilter(name: "lavfi", id: "rate", args: [FilterArgument(key: nil, value: "fps=\(r.num)/\(r.den)")]))
        }
        return list
    }

    /// Refuses to overwrite without -y and to write over the input; asks on a terminal like ffmpeg.
    /// Returns whether the finished output may replace a file of that name (-y, or the user said
    /// yes); if not, it is moved into place only if the name is still free then.
    private func checkPaths() throws -> Bool {
        let out = args.output
        guard out != "-", !out.contains("%") else { return true }
        var so = stat()
        guard stat(out, &so) == 0 else { return args.overwrite == true }
        var si = stat()
        if args.input != "-", stat(args.input, &si) == 0, si.st_dev == so.st_dev, si.st_ino == so.st_ino {
            throw GIDError.output("\(out): output is the same file as the input; choose another name")
        }
        if (so.st_mode & S_IFMT) == S_IFDIR { throw GIDError.output("\(out): is a directory") }
        switch args.overwrite {
        case true?: return true
        case false?: throw GIDError.output("\(out): already exists; not overwriting (-n)")
        case nil:
            if isatty(0) == 1, isatty(2) == 1, args.input != "-" {
                FileHandle.standardError.write("File '\(out)' already exists. Overwrite? [y/N] ".data(using: .utf8)!)
                if let answer = readLine(), answer.lowercased().hasPrefix("y") { return true }
            }
            throw GIDError.output("\(out): already exists; use -y to overwrite")
        }
    }
}

/// The end of the chain: repeats a still, applies -ss, -t and -frames:v, feeds the writer, reports progress.
struct Sink {
    let writer: WriteBehind
    let progress: Progress
    /// Output seconds dropped at the start (-ss after -i); later frames move earlier by as much.
    let skip: Double
    let limit: Double?
    let maxFrames: Int?
    let repeatRate: Rational?
    private(set) var frames = 0
    private(set) var outTime = 0.0
    private(set) var full = false
    /// Where the frames that reached the sink end, before -ss moves them (seconds).
    private(set) var seen = 0.0

    init(writer: WriteBehind, progress: Progress, skip: Double = 0, limit: Double?, maxFrames: Int?, repeatRate: Rational?) {
        self.writer = writer
        self.progress = progress
        self.skip = skip
        self.limit = limit
        self.maxFrames = maxFrames
        self.repeatRate = repeatRate
    }

    /// Thrown into the chain once the output is complete, so a filter that would go on emitting
    /// (an endless lavfi source, a long render) stops at once.
    struct Full: Error {}

    mutating func take(_ item: StreamItem) throws {
        guard !full else { throw Full() }
        guard case .frame(var frame) = item else { return }
        if let rate = repeatRate, let limit {
            // A still lasts -t seconds at the output rate: the same picture, new timestamps.
            let count = max(1, (limit * rate.value).clampedInt(1...Int(Int32.max)))
            try Limits.checkGenerated(count, "-t \(ReadRange.seconds(limit)) on a still at \(rate) fps")
            for i in 0..<count where !full {
                try put(Frame(content: frame.content, pts: Int64(i), duration: 1, timeBase: rate.inverted))
            }
            full = true
            return
        }
        if skip > 0 {
            seen = max(seen, frame.seconds + (frame.duration > 0 ? Double(frame.duration) * frame.timeBase.value : 0))
            if frame.seconds < skip - 1e-9 { return }
            // By exactly `skip` (not to the first kept frame) so copied audio, moved as much, stays in sync.
            let ticks = Int64((skip / frame.timeBase.value).clampedInt(0...Int(Int64.max / 2)))
            frame.pts = max(0, frame.pts - ticks)
        }
        if let limit, frame.seconds >= limit - 1e-9 {
            full = true
            return
        }
        try put(frame)
    }

    private mutating func put(_ frame: Frame) throws {
        try writer.write(frame)
        frames += 1
        outTime = frame.seconds + (frame.duration > 0 ? Double(frame.duration) * frame.timeBase.value : 0)
        if let maxFrames, frames >= maxFrames { full = true }
        progress.update(frames: frames, outTime: outTime)
    }

    func close() throws {
        try writer.finish()
        progress.finish(frames: frames, outTime: outTime)
    }
}

/// Where stream items come from: decoded media, or a motion file (one scene, then the end).
final class Source {
    /// The media reader, for media inputs (audio copy hangs off it).
    let reader: MediaReader?
    /// What the chain is built for.
    let info: StreamInfo
    private var scene: Scene?

    init(path: String, format: String?, colorspace: String? = nil, range: ReadRange = ReadRange(), motion: Bool) throws {
        guard motion else {
            let r = try MediaReader(path: path, format: format, colorspace: colorspace, range: range)
            reader = r
            info = r.info
            return
        }
        let name = path == "-" ? "stdin" : path
        let s: Scene
        if path == "-" {
            s = try MotionFile.decode([UInt8](FileHandle.standardInput.readDataToEndOfFile()), name: name)
        } else {
            s = try MotionFile.read(from: path)
        }
        reader = nil
        scene = s
        info = .motion(s, source: name)
    }

    /// The next item, or nil at the end.
    func next() throws -> StreamItem? {
        if let reader { return try reader.nextFrame().map { .frame($0) } }
        defer { scene = nil }
        return scene.map { .motion($0) }
    }
}
