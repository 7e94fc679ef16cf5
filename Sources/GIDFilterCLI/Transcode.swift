import Foundation
import Graph
import MediaIO

/// The main job: source -> decode -> filter chain -> (still repeat, -t, -frames) -> encode -> sink.
struct Transcode {
    let args: Arguments

    func run() throws {
        try checkPaths()
        let reader = try MediaReader(path: args.input, format: args.inputFormat)
        let chain = try FilterChain(registry: registry, filters: try filters(for: reader.info),
                                    input: reader.info, logLevel: args.logLevel)
        var out = chain.output
        guard out.kind == .frames else {
            throw GIDError.usage("the graph ends with a motion stream; end it with a filter that renders frames")
        }
        let repeatStill = out.isStill && args.duration != nil
        if repeatStill {
            out.frameRate = args.frameRate ?? Rational(25, 1)
            out.timeBase = out.frameRate!.inverted
        }
        let keepsTiming = !repeatStill && args.frameRate == nil && chain.stages.allSatisfy(\.node.preservesTiming)
        let audio = keepsTiming ? reader.audioStream : nil
        if reader.audioStream != nil && audio == nil {
            Log.info("\(args.input): audio dropped (the graph or -r/-t on a still changes timing)")
        }
        let writer = try MediaWriter(path: args.output, options: args.encode, input: out, audio: audio)
        if audio != nil {
            let limit = args.duration
            reader.audioPacket = { try writer.writeAudio($0, limit: limit) }
        }
        try reader.deliverHeldAudio()
        let progress = try Progress(stats: args.stats, url: args.progressURL, outputIsStdout: args.output == "-",
                                    expectedSeconds: args.duration ?? reader.info.duration)
        var sink = Sink(writer: writer, progress: progress, limit: args.duration, maxFrames: args.maxFrames,
                        repeatRate: repeatStill ? out.frameRate : nil)
        do {
            while !sink.full, let frame = try reader.nextFrame() {
                try chain.push(.frame(frame)) { try sink.take($0) }
            }
            if !sink.full { try chain.finish { try sink.take($0) } }
            try sink.close()
        } catch {
            writer.abort()
            throw error
        }
        Log.verbose("\(args.output): \(writer.framesWritten) frames written")
    }

    /// The user's graph plus the output conversions that -s and -r ask for.
    private func filters(for input: StreamInfo) throws -> [ParsedFilter] {
        var list = try GraphParser.parse(args.graph)
        if let (w, h) = args.size {
            list.append(ParsedFilter(name: "lavfi", id: "size", args: [FilterArgument(key: nil, value: "scale=\(w):\(h)")]))
        }
        if let r = args.frameRate, !input.isStill {
            list.append(ParsedFilter(name: "lavfi", id: "rate", args: [FilterArgument(key: nil, value: "fps=\(r.num)/\(r.den)")]))
        }
        return list
    }

    /// Refuses to overwrite without -y and to write over the input; asks on a terminal like ffmpeg.
    private func checkPaths() throws {
        let out = args.output
        guard out != "-", !out.contains("%") else { return }
        var so = stat()
        guard stat(out, &so) == 0 else { return }
        var si = stat()
        if args.input != "-", stat(args.input, &si) == 0, si.st_dev == so.st_dev, si.st_ino == so.st_ino {
            throw GIDError.output("\(out): output is the same file as the input; choose another name")
        }
        if (so.st_mode & S_IFMT) == S_IFDIR { throw GIDError.output("\(out): is a directory") }
        switch args.overwrite {
        case true?: return
        case false?: throw GIDError.output("\(out): already exists; not overwriting (-n)")
        case nil:
            if isatty(0) == 1, isatty(2) == 1, args.input != "-" {
                FileHandle.standardError.write("File '\(out)' already exists. Overwrite? [y/N] ".data(using: .utf8)!)
                if let answer = readLine(), answer.lowercased().hasPrefix("y") { return }
            }
            throw GIDError.output("\(out): already exists; use -y to overwrite")
        }
    }
}

/// The end of the chain: repeats a still, applies -t and -frames:v, feeds the writer, reports progress.
struct Sink {
    let writer: MediaWriter
    let progress: Progress
    let limit: Double?
    let maxFrames: Int?
    let repeatRate: Rational?
    private(set) var frames = 0
    private(set) var outTime = 0.0
    private(set) var full = false

    init(writer: MediaWriter, progress: Progress, limit: Double?, maxFrames: Int?, repeatRate: Rational?) {
        self.writer = writer
        self.progress = progress
        self.limit = limit
        self.maxFrames = maxFrames
        self.repeatRate = repeatRate
    }

    mutating func take(_ item: StreamItem) throws {
        guard case .frame(let frame) = item, !full else { return }
        if let rate = repeatRate, let limit {
            // A still lasts -t seconds at the output rate: the same picture, new timestamps.
            let count = max(1, Int((limit * rate.value).rounded()))
            for i in 0..<count where !full {
                try put(Frame(content: frame.content, pts: Int64(i), duration: 1, timeBase: rate.inverted))
            }
            full = true
            return
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
