import CFFmpeg
import Foundation
import Graph

/// Encoder settings from the command line (ffmpeg's meanings).
public struct EncodeOptions: Sendable {
    public var format: String?
    public var codec: String?
    public var crf: Int?
    public var preset: String?
    public var pixelFormat: String?
    public var bitrate: String?
    /// Fail rather than replace a file that exists when the output is moved into place.
    public var noClobber = false

    public init(format: String? = nil, codec: String? = nil, crf: Int? = nil, preset: String? = nil,
                pixelFormat: String? = nil, bitrate: String? = nil) {
        self.format = format
        self.codec = codec
        self.crf = crf
        self.preset = preset
        self.pixelFormat = pixelFormat
        self.bitrate = bitrate
    }
}

/// Encodes frames and muxes them (plus optional copied audio) into a file or stdout.
///
/// The encoder opens on the first frame, when size and pixel format are certain.
public final class MediaWriter {
    public let path: String
    public let plan: OutputPlan
    private let options: EncodeOptions
    private let info: StreamInfo
    private let target: OutputTarget
    private var fmt: UnsafeMutablePointer<AVFormatContext>?
    private var enc: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    private var audioOut: UnsafeMutablePointer<AVStream>?
    private var audioIn: AudioStreamRef?
    private var pendingAudio: [UnsafeMutablePointer<AVPacket>?] = []
    private var pkt = av_packet_alloc()
    private var headerWritten = false
    private var palette: LavfiGraph?
    private var encWidth = 0, encHeight = 0
    private var encFormat = AV_PIX_FMT_NONE
    private var nextPTS: Int64 = 0
    /// Frames handed to the encoder so far.
    public private(set) var framesWritten = 0

    /// Prepares `path` ("-" = stdout). `audio`: an input audio stream to copy, if the container takes it.
    public init(path: String, options: EncodeOptions, input: StreamInfo, audio: AudioStreamRef? = nil) throws {
        self.path = path
        self.options = options
        self.info = input
        plan = try OutputPlan(path: path, format: options.format, codec: options.codec)
        target = try OutputTarget(path: path, isSequence: plan.isImageSequence, noClobber: options.noClobber)
        if let audio {
            if plan.carriesAudio { audioIn = audio } else { Log.info("\(path): audio dropped (\(plan.muxer) output carries video only)") }
        }
    }

    deinit {
        avcodec_free_context(&enc)
        if let f = fmt {
            if f.pointee.pb != nil, f.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&f.pointee.pb) }
            avformat_free_context(f)
        }
        for var p in pendingAudio { av_packet_free(&p) }
        av_packet_free(&pkt)
    }

    /// Encodes one frame.
    public func write(_ frame: Frame) throws {
        try Interrupt.check()
        if enc == nil { try open(first: frame) }
        if plan.muxer == "gif" {
            for f in try paletteProcess(frame) { try encode(f) }
        } else {
            try encode(frame)
        }
    }

    /// Flushes the encoder, writes the trailer and moves the file into place.
    public func finish() throws {
        guard enc != nil else {
            target.abort()
            throw GIDError.input("\(info.source): no frames to write to \(path)")
        }
        if plan.muxer == "gif" { for f in try paletteProcess(nil) { try encode(f) } }
        try send(nil)
        try flushAudio()
        try checkIO(av_write_trailer(fmt), "writing the trailer")
        if let f = fmt, f.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&f.pointee.pb) }
        try target.commit()
    }

    /// Removes the partial output.
    public func abort() { target.abort() }

    /// Copies one audio packet (queued until the header is written).
    public func writeAudio(_ packet: AudioPacket, limit: Double?) throws {
        guard let audioIn, audioOut != nil || !headerWritten else { return }
        let p = packet.packet
        let tb = Rational(audioIn.stream.pointee.time_base)
        if let limit, p.pointee.pts != AV_NOPTS, Double(p.pointee.pts) * tb.value - packet.shift >= limit { return }
        guard let clone = av_packet_clone(p) else { return }
        let shift = Int64((packet.shift / tb.value).clampedInt(-(1 << 53)...(1 << 53)))
        if clone.pointee.pts != AV_NOPTS { clone.pointee.pts -= shift }
        if clone.pointee.dts != AV_NOPTS { clone.pointee.dts -= shift }
        if (clone.pointee.dts != AV_NOPTS && clone.pointee.dts < 0) {
            var c: UnsafeMutablePointer<AVPacket>? = clone
            av_packet_free(&c)
            return
        }
        pendingAudio.append(clone)
        if headerWritten { try flushAudio() }
    }

    private func flushAudio() throws {
        guard let audioOut, let audioIn else { return }
        for var p in pendingAudio {
            av_packet_rescale_ts(p, audioIn.stream.pointee.time_base, audioOut.pointee.time_base)
            p!.pointee.stream_index = audioOut.pointee.index
            p!.pointee.pos = -1
            let r = av_interleaved_write_frame(fmt, p)
            av_packet_free(&p)
            try checkIO(r, "writing audio")
        }
        pendingAudio.removeAll()
    }

    // MARK: - Opening

    private func open(first frame: Frame) throws {
        guard let codec = avcodec_find_encoder_by_name(plan.codec) else {
            throw GIDError.codec("\(path): encoder '\(plan.codec)' not found")
        }
        LibavLog.reset()
        try check(avformat_alloc_output_context2(&fmt, nil, plan.muxer, target.writePath), .output, "\(path): cannot set up \(plan.muxer) output")
        let nativeFormat: AVPixelFormat? = {
            if case .native(let p as AVFrameBox) = frame.content { return p.format }
            return nil
        }()
        let hasAlpha: Bool = {
            switch frame.content {
            case .native(let p as AVFrameBox): return p.hasAlpha
            case .rgb(let i): return i.alpha != nil
            default: return false
            }
        }()
        encFormat = try choosePixelFormat(codec, native: nativeFormat, alpha: hasAlpha)
        (encWidth, encHeight) = evenSizeIfNeeded(frame.width, frame.height, format: encFormat, codec: plan.codec)
        guard let c = avcodec_alloc_context3(codec) else { throw GIDError.internal("out of memory") }
        enc = c
        c.pointee.width = Int32(encWidth)
        c.pointee.height = Int32(encHeight)
        c.pointee.pix_fmt = encFormat
        c.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        c.pointee.time_base = encoderTimeBase(frame.timeBase).av
        if let fr = info.frameRate { c.pointee.framerate = fr.av }
        c.pointee.thread_count = 0
        if !PixelConverter.isRGBOrGray(encFormat) {
            (c.pointee.colorspace, c.pointee.color_primaries, c.pointee.color_trc) = PixelConverter.outputTags(height: encHeight)
            c.pointee.color_range = AVCOL_RANGE_MPEG
            // Frames passed through untouched keep the colours their source was tagged with.
            if case .native(let p as AVFrameBox) = frame.content, p.format == encFormat,
               p.frame.pointee.colorspace != AVCOL_SPC_UNSPECIFIED {
                c.pointee.colorspace = p.frame.pointee.colorspace
                c.pointee.color_primaries = p.frame.pointee.color_primaries
                c.pointee.color_trc = p.frame.pointee.color_trc
                c.pointee.color_range = p.frame.pointee.color_range
            }
        }
        if fmt!.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            c.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var opts: OpaquePointer? = encoderOptions()
        defer { av_dict_free(&opts) }
        LibavLog.reset()
        try check(avcodec_open2(c, codec, &opts), .codec, "\(path): cannot open encoder \(plan.codec) for \(encWidth)x\(encHeight) \(pixelFormatName(encFormat))")
        guard let st = avformat_new_stream(fmt, nil) else { throw GIDError.internal("out of memory") }
        videoStream = st
        st.pointee.time_base = c.pointee.time_base
        if let fr = info.frameRate { st.pointee.avg_frame_rate = fr.av; st.pointee.r_frame_rate = fr.av }
        try check(avcodec_parameters_from_context(st.pointee.codecpar, c), .internal, "stream parameters")
        try addAudioStream()
        if fmt!.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            fmt!.pointee.interrupt_callback.callback = Interrupt.callback
            var cb = fmt!.pointee.interrupt_callback
            try check(avio_open2(&fmt!.pointee.pb, target.writePath, AVIO_FLAG_WRITE, &cb, nil), .output, "\(path): cannot open for writing")
        }
        var mopts: OpaquePointer? = muxerOptions()
        defer { av_dict_free(&mopts) }
        try checkIO(avformat_write_header(fmt, &mopts), "writing the header")
        headerWritten = true
        try flushAudio()
        if plan.muxer == "gif" {
            // palettegen needs every frame before the first output: GIF output holds the clip in memory.
            palette = try LavfiGraph("split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a",
                                     width: frame.width, height: frame.height, format: nativeFormat ?? AV_PIX_FMT_RGB24,
                                     timeBase: frame.timeBase, frameRate: info.frameRate, outputFormats: [AV_PIX_FMT_PAL8])
        }
    }

    private func addAudioStream() throws {
        guard let audioIn else { return }
        let par = audioIn.stream.pointee.codecpar!
        guard avformat_query_codec(fmt!.pointee.oformat, par.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 1 else {
            Log.info("\(path): audio (\(audioIn.codecName)) dropped: \(plan.muxer) cannot carry it without re-encoding")
            self.audioIn = nil
            return
        }
        guard let st = avformat_new_stream(fmt, nil) else { throw GIDError.internal("out of memory") }
        try check(avcodec_parameters_copy(st.pointee.codecpar, par), .internal, "audio parameters")
        st.pointee.codecpar.pointee.codec_tag = 0
        st.pointee.time_base = audioIn.stream.pointee.time_base
        audioOut = st
    }

    private func encoderTimeBase(_ frameTB: Rational) -> Rational {
        switch plan.muxer {
        case "yuv4mpegpipe": return (info.frameRate ?? Rational(25, 1)).inverted  // y4m derives its rate from it
        case "gif": return Rational(1, 100)
        default:
            return frameTB.num > 0 && frameTB.den > 0 ? frameTB : (info.frameRate ?? Rational(25, 1)).inverted
        }
    }

    private func choosePixelFormat(_ codec: UnsafePointer<AVCodec>, native: AVPixelFormat?, alpha: Bool) throws -> AVPixelFormat {
        let supported = supportedFormats(codec)
        func ok(_ f: AVPixelFormat) -> Bool { supported.isEmpty || supported.contains(f) }
        if let name = options.pixelFormat {
            let f = AVPixelFormat(rawValue: try pixelFormat(named: name))
            guard ok(f) else {
                throw GIDError.usage("\(path): encoder \(plan.codec) does not take pixel format \(name) (it takes \(supported.map(pixelFormatName).joined(separator: ", ")))")
            }
            return f
        }
        let yuv420 = alpha && ok(AV_PIX_FMT_YUVA420P) ? AV_PIX_FMT_YUVA420P : AV_PIX_FMT_YUV420P
        switch plan.codec {
        case "libx264", "libx265", "libvpx-vp9", "libvpx", "libaom-av1", "libsvtav1", "libwebp_anim", "libwebp", "mpeg4":
            return ok(yuv420) ? yuv420 : AV_PIX_FMT_YUV420P
        case "gif": return AV_PIX_FMT_PAL8
        case "mjpeg": return AV_PIX_FMT_YUVJ420P
        default: break
        }
        if let native, ok(native), plan.codec != "wrapped_avframe" || plan.muxer != "yuv4mpegpipe" || Self.y4mFormats.contains(native) {
            return native
        }
        if plan.muxer == "yuv4mpegpipe" { return AV_PIX_FMT_YUV444P }
        if plan.muxer == "null" { return AV_PIX_FMT_GBRPF32LE }
        let rgb = alpha ? AV_PIX_FMT_RGBA : AV_PIX_FMT_RGB24
        if ok(rgb) { return rgb }
        return supported.first ?? AV_PIX_FMT_YUV420P
    }

    static let y4mFormats: Set<AVPixelFormat> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_GRAY8, AV_PIX_FMT_YUV411P,
        AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_GRAY16LE,
    ]

    private func supportedFormats(_ codec: UnsafePointer<AVCodec>) -> [AVPixelFormat] {
        guard var p = codec.pointee.pix_fmts else { return [] }
        var out: [AVPixelFormat] = []
        while p.pointee != AV_PIX_FMT_NONE { out.append(p.pointee); p += 1 }
        return out
    }

    /// x264/x265 reject odd sizes for subsampled chroma: crop the last row/column, and say so.
    private func evenSizeIfNeeded(_ w: Int, _ h: Int, format: AVPixelFormat, codec: String) -> (Int, Int) {
        guard ["libx264", "libx265", "mpeg4"].contains(codec), let d = av_pix_fmt_desc_get(format) else { return (w, h) }
        let ew = d.pointee.log2_chroma_w > 0 ? w & ~1 : w
        let eh = d.pointee.log2_chroma_h > 0 ? h & ~1 : h
        if ew != w || eh != h { Log.info("\(path): cropping \(w)x\(h) to \(ew)x\(eh) (\(codec) \(pixelFormatName(format)) needs even sizes)") }
        return (max(ew, 2), max(eh, 2))
    }

    private func encoderOptions() -> OpaquePointer? {
        var d: OpaquePointer?
        func set(_ k: String, _ v: String) { av_dict_set(&d, k, v, 0) }
        switch plan.codec {
        case "libx264", "libx265":
            set("crf", String(options.crf ?? 23))
            set("preset", options.preset ?? "medium")
            if plan.codec == "libx264", info.loops, let n = info.frameCount, let zones = Self.seamZones(frames: n) {
                set("x264-params", "zones=" + zones)
                Log.verbose("\(path): a loop of \(n) frames: more bits at the seam (x264 zones \(zones))")
            }
        case "libvpx-vp9", "libvpx":
            set("crf", String(options.crf ?? 31))
            if options.bitrate == nil { set("b", "0") }
            set("row-mt", "1")
            let (deadline, speed) = Self.vp9Speed(options.preset)
            set("deadline", deadline)
            set("cpu-used", speed)
        case "libaom-av1":
            set("crf", String(options.crf ?? 30))
            set("cpu-used", "6")
        case "libwebp_anim", "libwebp":
            set("quality", String(max(0, min(100, 100 - 2 * (options.crf ?? 12)))))
        default:
            if let crf = options.crf { set("crf", String(crf)) }
            if let p = options.preset { set("preset", p) }
        }
        if let b = options.bitrate { set("b", b) }
        return d
    }

    /// x264 zones that hide a loop's seam, or nil for clips too short to have one worth hiding.
    ///
    /// Inside a GOP each frame's coding error carries over to the next (skipped and predicted
    /// blocks copy it), so neighbouring frames share most of it and it drifts away from the key
    /// frame's; the step from the last frame back to the key frame shows the whole drift as a pop
    /// once per loop. Frame 0 at four times the bit rate and the last frames at up to eight times
    /// bring both sides close to the picture. The boost rises geometrically over the last
    /// min(16, n/4) frames: a short ramp (3x / 5x / 8x on three frames) only moved the pop inside
    /// the loop, to the frame where the boost starts (1.84x the median step on the sample still
    /// at CRF 12, where the wrap itself came to 1.28). Benchmarks/render/README.md, "Loop seam
    /// after H.264".
    static func seamZones(frames n: Int) -> String? {
        guard n >= 8 else { return nil }
        let ramp = min(16, n / 4)
        let boosts = (1...ramp).map { i in
            "\(n - ramp - 1 + i),\(n - ramp - 1 + i),b=" + String(format: "%.2f", pow(8, Double(i) / Double(ramp)))
        }
        return (["0,0,b=4"] + boosts).joined(separator: "/")
    }

    /// x264 preset names mapped to VP9's deadline and cpu-used.
    static func vp9Speed(_ preset: String?) -> (String, String) {
        switch preset ?? "medium" {
        case "ultrafast", "superfast": return ("realtime", "8")
        case "veryfast", "faster": return ("good", "5")
        case "slow": return ("good", "2")
        case "slower", "veryslow", "placebo": return ("good", "1")
        default: return ("good", "4")
        }
    }

    private func muxerOptions() -> OpaquePointer? {
        var d: OpaquePointer?
        if plan.muxer == "mp4" || plan.muxer == "mov" { av_dict_set(&d, "movflags", "+faststart", 0) }
        if plan.muxer == "webp" || plan.muxer == "gif" { av_dict_set(&d, "loop", "0", 0) }  // loop forever
        if plan.isSingleImage { av_dict_set(&d, "update", "1", 0) }
        return d
    }

    // MARK: - Encoding

    private func paletteProcess(_ frame: Frame?) throws -> [Frame] {
        guard let palette else { return [] }
        return try palette.process(frame)
    }

    private func encode(_ frame: Frame) throws {
        guard let c = enc else { return }
        let box = try frame.avFrame(format: encFormat, width: encWidth, height: encHeight)
        let ready: AVFrameBox
        if box.format == encFormat && box.width == encWidth && box.height == encHeight {
            ready = box
        } else if box.format == encFormat, box.width >= encWidth, box.height >= encHeight {
            ready = try crop(box)
        } else {
            ready = try PixelConverter.convert(box, format: encFormat, width: encWidth, height: encHeight)
        }
        var pts = av_rescale_q(frame.pts, frame.timeBase.av, c.pointee.time_base)
        if pts < nextPTS { pts = nextPTS }  // rate changes can collide after rescaling
        nextPTS = pts + 1
        ready.frame.pointee.pts = pts
        ready.frame.pointee.pict_type = AV_PICTURE_TYPE_NONE
        try send(ready)
        framesWritten += 1
    }

    /// A view of the top-left encWidth x encHeight of a frame (odd sizes for x264).
    private func crop(_ box: AVFrameBox) throws -> AVFrameBox {
        let out = try AVFrameBox(referencing: box.frame)
        out.frame.pointee.crop_right = Int(box.width - encWidth)
        out.frame.pointee.crop_bottom = Int(box.height - encHeight)
        try check(av_frame_apply_cropping(out.frame, 0), .internal, "cropping")
        return out
    }

    private func send(_ box: AVFrameBox?) throws {
        let r = avcodec_send_frame(enc, box?.frame)
        if r < 0 && !(box == nil && r == AVERROR_EOF_) {
            try check(r, .codec, "\(path): encoder \(plan.codec) refused a frame")
        }
        while true {
            let s = avcodec_receive_packet(enc, pkt)
            if s == AVERROR_EAGAIN_ || s == AVERROR_EOF_ { break }
            try check(s, .codec, "\(path): encoding failed")
            av_packet_rescale_ts(pkt, enc!.pointee.time_base, videoStream!.pointee.time_base)
            pkt!.pointee.stream_index = videoStream!.pointee.index
            let w = av_interleaved_write_frame(fmt, pkt)
            av_packet_unref(pkt)
            try checkIO(w, "writing")
        }
    }

    /// Output errors: EPIPE on stdout is a quiet end, anything else names the file.
    private func checkIO(_ r: Int32, _ what: String) throws {
        guard r < 0 else { return }
        if r == gid_averror(EPIPE) || (path == "-" && r == gid_averror(EIO)) { throw DownstreamClosed() }
        try check(r, .output, "\(path): \(what)")
    }
}
