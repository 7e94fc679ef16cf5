import CFFmpeg
import Graph

/// A libavfilter chain with one video input and one video output, run by libavfilter itself.
///
/// Used by the `lavfi` filter, by `-s`/`-r`, and by the GIF encoder (palettegen/paletteuse).
public final class LavfiGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private var src: UnsafeMutablePointer<AVFilterContext>?
    private var sink: UnsafeMutablePointer<AVFilterContext>?
    private let inputFormat: AVPixelFormat
    private let inputWidth: Int
    private let inputHeight: Int
    private let description: String
    private let lib: Libavfilter

    /// Output properties, known once the graph is configured.
    public private(set) var width = 0
    public private(set) var height = 0
    public private(set) var timeBase = Rational(1, 25)
    public private(set) var frameRate: Rational?
    private(set) var format = AV_PIX_FMT_NONE
    public var pixelFormatName: String { MediaIO.pixelFormatName(format) }

    /// Builds and configures `description` ("scale=512:-2,fps=25") for frames of the given shape.
    /// `inputFormat` nil means the float RGB frames that gid-filter filters produce.
    public convenience init(_ description: String, width: Int, height: Int, inputFormat: String?,
                            timeBase: Rational, frameRate: Rational?, outputFormats: [String] = []) throws {
        let fmt = try inputFormat.map { AVPixelFormat(rawValue: try pixelFormat(named: $0)) } ?? AV_PIX_FMT_GBRPF32LE
        let outs = try outputFormats.map { AVPixelFormat(rawValue: try pixelFormat(named: $0)) }
        try self.init(description, width: width, height: height, format: fmt, timeBase: timeBase,
                      frameRate: frameRate, outputFormats: outs)
    }

    init(_ description: String, width: Int, height: Int, format: AVPixelFormat, timeBase: Rational,
         frameRate: Rational?, outputFormats: [AVPixelFormat]) throws {
        self.description = description
        lib = try Libavfilter.shared()
        inputFormat = format
        inputWidth = width
        inputHeight = height
        guard let g = lib.graphAlloc() else { throw GIDError.internal("out of memory creating a filter graph") }
        graph = g
        g.pointee.nb_threads = 0
        let tb = timeBase.num > 0 && timeBase.den > 0 ? timeBase : Rational(1, 25)
        var args = "video_size=\(width)x\(height):pix_fmt=\(format.rawValue):time_base=\(tb.num)/\(tb.den):pixel_aspect=1/1"
        if let fr = frameRate, fr.num > 0, fr.den > 0 { args += ":frame_rate=\(fr.num)/\(fr.den)" }
        LibavLog.reset()
        var srcCtx: UnsafeMutablePointer<AVFilterContext>?
        var sinkCtx: UnsafeMutablePointer<AVFilterContext>?
        try check(lib.createFilter(&srcCtx, lib.getByName("buffer"), "in", args, nil, g), .internal, "lavfi: buffer source")
        try check(lib.createFilter(&sinkCtx, lib.getByName("buffersink"), "out", nil, nil, g), .internal, "lavfi: buffer sink")
        src = srcCtx
        sink = sinkCtx
        if !outputFormats.isEmpty {
            var list = outputFormats.map { $0.rawValue }
            let bytes = list.count * MemoryLayout<Int32>.size
            try check(list.withUnsafeMutableBytes { av_opt_set_bin(sinkCtx, "pix_fmts", $0.baseAddress, Int32(bytes), AV_OPT_SEARCH_CHILDREN) },
                      .internal, "lavfi: output formats")
        }
        var outputs = lib.inoutAlloc()
        var inputs = lib.inoutAlloc()
        defer {
            lib.inoutFree(&inputs)
            lib.inoutFree(&outputs)
        }
        outputs?.pointee.name = av_strdup("in")
        outputs?.pointee.filter_ctx = src
        outputs?.pointee.pad_idx = 0
        outputs?.pointee.next = nil
        inputs?.pointee.name = av_strdup("out")
        inputs?.pointee.filter_ctx = sink
        inputs?.pointee.pad_idx = 0
        inputs?.pointee.next = nil
        let desc = description.isEmpty ? "null" : description
        try check(lib.parse(g, desc, &inputs, &outputs, nil), .usage, "lavfi '\(desc)'")
        try check(lib.config(g, nil), .usage, "lavfi '\(desc)'")
        self.width = Int(lib.sinkInt.w(sink))
        self.height = Int(lib.sinkInt.h(sink))
        self.format = AVPixelFormat(rawValue: lib.sinkInt.format(sink))
        self.timeBase = Rational(lib.sinkRational.timeBase(sink))
        let fr = Rational(lib.sinkRational.frameRate(sink))
        self.frameRate = fr.num > 0 && fr.den > 0 ? fr : nil
        // libavfilter configures some impossible sizes (scale=1e-308:inf) and fails only per frame.
        guard Limits.side.contains(width), Limits.side.contains(height) else {
            throw GIDError.usage("lavfi '\(desc)': output size \(width)x\(height) is outside 1..16384")
        }
        if lib.sinkType(sink) != AVMEDIA_TYPE_VIDEO {
            throw GIDError.usage("lavfi '\(desc)': output is not video")
        }
    }

    deinit {
        lib.graphFree(&graph)
    }

    /// Feeds one frame (converted to the configured input shape if needed); nil signals the end.
    func push(_ box: AVFrameBox?) throws {
        guard let box else {
            try check(lib.addFrame(src, nil, 0), .internal, "lavfi '\(description)': flush")
            return
        }
        var input = box
        if box.format != inputFormat || box.width != inputWidth || box.height != inputHeight {
            input = try PixelConverter.convert(box, format: inputFormat, width: inputWidth, height: inputHeight)
            input.frame.pointee.pts = box.frame.pointee.pts
            input.frame.pointee.pkt_duration = box.frame.pointee.pkt_duration
        }
        // KEEP_REF: the caller's frame may still be used downstream (a still repeated, say).
        try check(lib.addFrame(src, input.frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)), .usage,
                  "lavfi '\(description)': feeding a frame")
    }

    /// Next finished frame, or nil when the graph needs more input (or has ended).
    func pull() throws -> AVFrameBox? {
        guard let f = av_frame_alloc() else { throw GIDError.internal("out of memory allocating a frame") }
        let r = lib.getFrame(sink, f)
        if r == AVERROR_EAGAIN_ || r == AVERROR_EOF_ {
            var p: UnsafeMutablePointer<AVFrame>? = f
            av_frame_free(&p)
            return nil
        }
        if r < 0 {
            var p: UnsafeMutablePointer<AVFrame>? = f
            av_frame_free(&p)
            // Failures while filtering come from the user's chain (scale=1e-308:inf configures, then
            // fails on the first frame): a usage error, as a bad chain is at configuration.
            try check(r, .usage, "lavfi '\(description)'")
        }
        return AVFrameBox(taking: f)
    }

    /// Pushes a gid-filter frame (nil: the end) and hands each frame that comes out to `emit` as
    /// it comes, so an endless source (tpad=stop=-1) streams instead of piling up, stops on Ctrl-C,
    /// and ends with an error past `Limits.generatedFrames` frames from one input.
    public func process(_ frame: Frame?, emit: (Frame) throws -> Void) throws {
        if let frame {
            let box = try frame.avFrame(format: inputFormat, width: inputWidth, height: inputHeight)
            try push(box)
        } else {
            try push(nil)
        }
        var count = 0
        while let b = try pull() {
            count += 1
            try Limits.checkGenerated(count, "lavfi '\(description)'")
            try Interrupt.check()
            let pts = b.frame.pointee.pts
            try emit(Frame(content: .native(b), pts: pts == AV_NOPTS ? 0 : pts, duration: b.frame.pointee.pkt_duration, timeBase: timeBase))
        }
    }

    /// Pushes a gid-filter frame and returns what came out (for bounded graphs: scale, palettes).
    public func process(_ frame: Frame?) throws -> [Frame] {
        var out: [Frame] = []
        try process(frame) { out.append($0) }
        return out
    }
}

extension Frame {
    /// This frame as a libav frame with pts set: the native one when it already fits, else converted.
    func avFrame(format: AVPixelFormat, width: Int, height: Int) throws -> AVFrameBox {
        let box: AVFrameBox
        switch content {
        case .native(let p as AVFrameBox):
            box = try AVFrameBox(referencing: p.frame)
        case .native(let p):
            box = try PixelConverter.fromRGB(try p.toRGB(), format: format, width: width, height: height)
        case .rgb(let img):
            box = try PixelConverter.fromRGB(img, format: format, width: width, height: height)
        }
        box.frame.pointee.pts = pts
        box.frame.pointee.pkt_duration = duration
        return box
    }
}
