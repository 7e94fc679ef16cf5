import CFFmpeg
import Foundation
import Graph

/// Opens a file or `-` (stdin), demuxes the best video stream and decodes it to frames.
///
/// Timestamps are shifted so the first frame is at 0. Audio packets of the best audio stream can
/// be handed on untouched (stream copy) through `audioPacket`. A `ReadRange` reads part of the
/// input, as ffmpeg's `-ss` / `-t` / `-to` before `-i` do.
public final class MediaReader {
    public let path: String
    /// What the rest of the pipeline can rely on; `isStill` and `frameCount` of stills are exact.
    public private(set) var info: StreamInfo

    private var fmt: UnsafeMutablePointer<AVFormatContext>?
    private var dec: UnsafeMutablePointer<AVCodecContext>?
    private var pkt: UnsafeMutablePointer<AVPacket>?
    private var videoIndex: Int32
    private var audioIndex: Int32
    private var orientation = 1
    private var draining = false
    private var finished = false
    /// Packets the decoder refused (damaged data), and libav's reason for the first.
    public private(set) var corruptPackets = 0
    private var firstCorruption = ""
    private var firstPTS: Int64?
    private var lastPTS: Int64 = -1
    /// The last decoded frame's timestamp in the stream's own time base (before the shift to 0),
    /// kept or not: a frame without one is placed after it.
    private var lastRawPTS: Int64?
    private let range: ReadRange
    /// The input's own start time (seconds), from which `range` counts.
    private var fileStart = 0.0
    private var lookahead: [Frame] = []
    private var decodedCount = 0

    /// Called for each packet of the best audio stream (for stream copy). Packets read before it
    /// was set (while probing the first frames) are held and delivered by `deliverHeldAudio()`.
    public var audioPacket: ((AudioPacket) throws -> Void)?
    private var heldAudio: [UnsafeMutablePointer<AVPacket>?] = []

    /// The largest picture we accept (guards against absurd declared sizes).
    static let maxPixels = 16384 * 16384

    /// The YUV matrix the input's frames are decoded with instead of their own tag (nil: the tag,
    /// else the size rule of `PixelConverter.matrix`).
    private var matrixOverride: AVColorSpace?

    /// Opens `path` ("-" = stdin); `format` forces a demuxer ("nut", "yuv4mpegpipe", "image2pipe", ...);
    /// `colorspace` names the YUV matrix to decode with (ffmpeg names: bt709, smpte170m, bt470bg,
    /// bt2020nc, ...; bt601 means smpte170m), for pipes and files that do not say or say wrongly.
    public init(path: String, format: String? = nil, colorspace: String? = nil, range: ReadRange = ReadRange()) throws {
        self.path = path
        self.range = range
        if let colorspace { matrixOverride = try Self.colorspace(named: colorspace, for: path) }
        info = StreamInfo(width: 0, height: 0, timeBase: Rational(1, 25), source: path)
        videoIndex = -1
        audioIndex = -1
        let name = path == "-" ? "pipe:0" : path
        if path != "-" { try Self.checkReadable(path) }
        var inputFormat: UnsafePointer<AVInputFormat>?
        if let format {
            guard let f = av_find_input_format(format) else {
                throw GIDError.usage("\(path): unknown input format '\(format)' (see ffmpeg -demuxers)")
            }
            inputFormat = f
        }
        guard let ctx = avformat_alloc_context() else { throw GIDError.internal("out of memory") }
        ctx.pointee.interrupt_callback.callback = Interrupt.callback
        fmt = ctx
        LibavLog.reset()
        let r = avformat_open_input(&fmt, name, inputFormat, nil)
        if r < 0 {
            fmt = nil  // freed by libav on failure
            throw GIDError.input("\(path): cannot open: \(explain(r))")
        }
        try check(avformat_find_stream_info(fmt, nil), .input, "\(path): cannot read stream info")
        let v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard v >= 0 else { throw GIDError.input("\(path): no video or image stream found") }
        videoIndex = v
        let a = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, v, nil, 0)
        audioIndex = a >= 0 ? a : -1
        try openDecoder()
        if range.isPartial { try seekToStart() }
        try prime()
    }

    /// Jumps to the key frame at or before `range.start` where the input can seek (files); frames
    /// before the start are then decoded and dropped, as everywhere on pipes.
    private func seekToStart() throws {
        let origin = fmt!.pointee.start_time == AV_NOPTS ? 0 : fmt!.pointee.start_time
        fileStart = Double(origin) / Double(AV_TIME_BASE)
        let full = info.duration
        if let full, range.start >= full {
            throw GIDError.input("\(path): -ss \(ReadRange.seconds(range.start)) is at or past the end of the input (\(ReadRange.seconds(full)) s)")
        }
        info.duration = full.map { min($0 - range.start, range.duration ?? .infinity) } ?? range.duration
        info.frameCount = nil
        guard range.start > 0 else { return }
        // A corrupt start time near Int64's end must not overflow: then decode from the start.
        let (target, overflow) = origin.addingReportingOverflow(Int64(range.start * Double(AV_TIME_BASE)))
        if !overflow, avformat_seek_file(fmt, -1, Int64.min, target, target, 0) >= 0 {
            avcodec_flush_buffers(dec)
        } else {
            Log.verbose("\(path): cannot seek; decoding from the start up to -ss \(ReadRange.seconds(range.start))")
        }
    }

    deinit {
        for var p in heldAudio { av_packet_free(&p) }
        avcodec_free_context(&dec)
        av_packet_free(&pkt)
        if fmt != nil { avformat_close_input(&fmt) }
    }

    private static func checkReadable(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            // An image-sequence pattern names files that do not exist literally.
            if path.contains("%") { return }
            throw GIDError.input("\(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw GIDError.input("\(path): is a directory, not a media file") }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0 { throw GIDError.input("\(path): file is empty") }
        guard access(path, R_OK) == 0 else { throw GIDError.input("\(path): \(String(cString: strerror(errno)))") }
    }

    private var stream: UnsafeMutablePointer<AVStream> { fmt!.pointee.streams[Int(videoIndex)]! }

    private func openDecoder() throws {
        let par = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            if par.pointee.codec_id == AV_CODEC_ID_NONE {
                throw GIDError.input("\(path): the video stream's codec is not recognised (damaged file?)")
            }
            throw GIDError.codec("\(path): no decoder for codec '\(String(cString: avcodec_get_name(par.pointee.codec_id)))'")
        }
        dec = avcodec_alloc_context3(codec)
        try check(avcodec_parameters_to_context(dec, par), .codec, "\(path): decoder parameters")
        dec!.pointee.thread_count = 0
        dec!.pointee.pkt_timebase = stream.pointee.time_base
        LibavLog.reset()
        try check(avcodec_open2(dec, codec, nil), .codec, "\(path): cannot open \(String(cString: codec.pointee.name)) decoder")
        pkt = av_packet_alloc()
        let w = Int(par.pointee.width), h = Int(par.pointee.height)
        if w * h > Self.maxPixels { throw GIDError.input("\(path): declared size \(w)x\(h) is too large (limit \(Self.maxPixels) pixels)") }
        orientation = Orientation.fromRotation(gid_stream_rotation(stream))
        let tb = Rational(stream.pointee.time_base)
        var rate = Rational(stream.pointee.avg_frame_rate)
        if rate.num <= 0 || rate.den <= 0 { rate = Rational(stream.pointee.r_frame_rate) }
        let duration = fmt!.pointee.duration > 0 ? Double(fmt!.pointee.duration) / Double(AV_TIME_BASE) : nil
        let frames = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
        info = StreamInfo(width: w, height: h, timeBase: tb, frameRate: rate.num > 0 && rate.den > 0 ? rate : nil,
                          pixelFormat: nil, frameCount: frames, duration: duration, source: path)
    }

    /// Decodes up to two frames so that size, pixel format and "is it a still" are exact.
    private func prime() throws {
        while lookahead.count < 2, let f = try decodeNext() { lookahead.append(f) }
        guard let first = lookahead.first else {
            if range.isPartial { throw GIDError.input("\(path): no video frames between -ss \(ReadRange.seconds(range.start)) and its end") }
            throw GIDError.input("\(path): contains no decodable video frames")
        }
        info.width = first.width
        info.height = first.height
        if case .native(let p) = first.content { info.pixelFormat = p.pixelFormatName } else { info.pixelFormat = nil }
        if lookahead.count == 1 {
            info.isStill = true
            info.frameCount = 1
        }
        if isImageFormat { info.frameRate = Rational(25, 1) }  // image demuxers' default rate, as ffmpeg's
    }

    private var isImageFormat: Bool {
        guard let name = fmt?.pointee.iformat.pointee.name else { return false }
        let n = String(cString: name)
        return n == "image2" || n.hasSuffix("_pipe") || n == "image2pipe"
    }

    /// The input's audio stream, if any, for copying into the output.
    public var audioStream: AudioStreamRef? {
        guard audioIndex >= 0, let s = fmt?.pointee.streams[Int(audioIndex)] else { return nil }
        return AudioStreamRef(stream: s)
    }

    /// Hands audio packets read while probing to `audioPacket` (or drops them if it is unset).
    public func deliverHeldAudio() throws {
        let held = heldAudio
        heldAudio = []
        for var p in held {
            defer { av_packet_free(&p) }
            if let p, let handler = audioPacket { try handler(AudioPacket(packet: p, shift: firstPTSSeconds)) }
        }
    }

    /// The next decoded frame, or nil at the end.
    public func nextFrame() throws -> Frame? {
        if !lookahead.isEmpty { return lookahead.removeFirst() }
        return try decodeNext()
    }

    private func decodeNext() throws -> Frame? {
        while true {
            try Interrupt.check()
            if let f = try receive() { return f }
            if finished { return nil }
            if draining {
                finished = true
                continue
            }
            try feed()
        }
    }

    /// One packet into the decoder (or the flush at EOF).
    private func feed() throws {
        LibavLog.reset()
        let r = av_read_frame(fmt, pkt)
        if r == AVERROR_EOF_ || (r < 0 && path == "-" && r != AVERROR_EXIT_) {
            draining = true
            _ = avcodec_send_packet(dec, nil)
            return
        }
        try check(r, .input, "\(path): read error")
        defer { av_packet_unref(pkt) }
        let index = pkt!.pointee.stream_index
        if index == audioIndex {
            if !range.contains(audioTime(pkt!), from: fileStart) { return }
            if let handler = audioPacket {
                try handler(AudioPacket(packet: pkt!, shift: firstPTSSeconds))
            } else if heldAudio.count < 4096 {
                heldAudio.append(av_packet_clone(pkt))
            }
            return
        }
        guard index == videoIndex else { return }
        // decodeNext drains every pending frame before feeding, so EAGAIN cannot happen here.
        let s = avcodec_send_packet(dec, pkt)
        if s < 0 {
            // Damaged files fail packet after packet: one summary line (`damage`), not one per packet.
            let why = explain(s)
            if corruptPackets == 0 { firstCorruption = why }
            corruptPackets += 1
            Log.verbose("\(path): skipping a corrupt packet: \(why)")
        }
    }

    /// "N corrupt packets skipped (first: reason)", or nil when every packet decoded.
    public var damage: String? {
        guard corruptPackets > 0 else { return nil }
        return "\(corruptPackets) corrupt packet\(corruptPackets == 1 ? "" : "s") skipped (first: \(firstCorruption))"
    }

    /// The libav colour space for a name given on the command line.
    static func colorspace(named name: String, for path: String) throws -> AVColorSpace {
        let key = name.lowercased() == "bt601" ? "smpte170m" : name.lowercased()
        let cs = av_color_space_from_name(key)
        let known: Set<AVColorSpace> = [AVCOL_SPC_BT709, AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_SMPTE240M,
                                        AVCOL_SPC_FCC, AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL]
        guard cs >= 0, known.contains(AVColorSpace(rawValue: UInt32(cs))) else {
            throw GIDError.usage("\(path): -colorspace \(name): use bt709, bt601 (smpte170m), bt470bg, smpte240m, fcc, bt2020nc or bt2020c")
        }
        return AVColorSpace(rawValue: UInt32(cs))
    }

    /// An audio packet's time in seconds of the input's own timeline (nil without a timestamp).
    private func audioTime(_ p: UnsafeMutablePointer<AVPacket>) -> Double? {
        guard p.pointee.pts != AV_NOPTS, let s = fmt?.pointee.streams[Int(audioIndex)] else { return nil }
        return Double(p.pointee.pts) * Rational(s.pointee.time_base).value
    }

    private var firstPTSSeconds: Double {
        guard let p = firstPTS else { return 0 }
        return Double(p) * info.timeBase.value
    }

    private func receive() throws -> Frame? {
        while true {
            guard let f = av_frame_alloc() else { throw GIDError.internal("out of memory") }
            let r = avcodec_receive_frame(dec, f)
            guard r >= 0 else {
                var p: UnsafeMutablePointer<AVFrame>? = f
                av_frame_free(&p)
                if r == AVERROR_EAGAIN_ || r == AVERROR_EOF_ { if r == AVERROR_EOF_ { finished = true }; return nil }
                throw GIDError.input("\(path): decoding failed: \(explain(r))")
            }
            if let matrixOverride, !PixelConverter.isRGBOrGray(AVPixelFormat(rawValue: f.pointee.format)) {
                f.pointee.colorspace = matrixOverride  // RGB and grey frames have no matrix to replace
            }
            let box = AVFrameBox(taking: f)
            switch place(of: f) {
            case .before: continue  // decoded only to reach the start
            case .after:
                finished = true  // frames leave the decoder in presentation order: nothing later is wanted
                return nil
            case .inside: break
            }
            if box.width <= 0 || box.height <= 0 { throw GIDError.input("\(path): frame has size \(box.width)x\(box.height)") }
            if box.width * box.height > Self.maxPixels { throw GIDError.input("\(path): frame size \(box.width)x\(box.height) is too large") }
            return try frame(from: box)
        }
    }

    private enum Place { case before, inside, after }

    /// Where a decoded frame lies against `range`; records its timestamp (the next frame without
    /// one follows it).
    private func place(of f: UnsafeMutablePointer<AVFrame>) -> Place {
        var raw = f.pointee.best_effort_timestamp
        if raw == AV_NOPTS { raw = (lastRawPTS ?? -1) + max(1, f.pointee.pkt_duration) }
        lastRawPTS = raw
        guard range.isPartial else { return .inside }
        let time = Double(raw) * info.timeBase.value - fileStart
        if range.isPast(time) { return .after }
        return range.contains(time, from: 0) ? .inside : .before
    }

    private func frame(from box: AVFrameBox) throws -> Frame {
        let f = box.frame
        var pts = lastRawPTS ?? 0  // set by `place(of:)`: the frame's own timestamp, or one made up after the previous
        if firstPTS == nil { firstPTS = pts }
        pts -= firstPTS!
        if pts <= lastPTS { pts = lastPTS + 1 }  // keep strictly increasing for muxers
        lastPTS = pts
        decodedCount += 1
        if decodedCount == 1, orientation == 1 { orientation = exifOrientation(f) }
        let content: Frame.Content = orientation == 1 ? .native(box) : .rgb(Orientation.apply(orientation, to: try box.toRGB()))
        return Frame(content: content, pts: pts, duration: f.pointee.pkt_duration, timeBase: info.timeBase)
    }

    /// EXIF orientation from frame side data or the JPEG decoder's metadata.
    private func exifOrientation(_ f: UnsafeMutablePointer<AVFrame>) -> Int {
        let rot = gid_frame_rotation(f)
        if rot != 0 { return Orientation.fromRotation(rot) }
        if let e = av_dict_get(f.pointee.metadata, "Orientation", nil, 0), let v = e.pointee.value,
           let n = Int(String(cString: v).trimmingCharacters(in: .whitespaces)), (1...8).contains(n) {
            return n
        }
        return 1
    }
}

/// A handle on an input audio stream, for stream copy.
public struct AudioStreamRef: @unchecked Sendable {
    let stream: UnsafeMutablePointer<AVStream>
    /// Codec name ("aac", "opus").
    public var codecName: String { String(cString: avcodec_get_name(stream.pointee.codecpar.pointee.codec_id)) }
}

/// One audio packet on its way from demuxer to muxer; valid only during the callback.
public struct AudioPacket {
    let packet: UnsafeMutablePointer<AVPacket>
    /// Seconds to subtract so audio stays in sync with the shifted video.
    let shift: Double

    /// The same packet moved `seconds` earlier (an output-side -ss); packets that land before 0
    /// are dropped by the writer.
    public func shifted(by seconds: Double) -> AudioPacket { AudioPacket(packet: packet, shift: shift + seconds) }
}

/// The part of an input to read: from `start` seconds, for `duration` seconds (nil = to the end),
/// both counted from the input's own start time, as ffmpeg's `-ss` and `-t` before `-i`.
public struct ReadRange: Sendable, Equatable {
    public var start: Double
    public var duration: Double?

    public init(start: Double = 0, duration: Double? = nil) {
        self.start = start
        self.duration = duration
    }

    var isPartial: Bool { start > 0 || duration != nil }

    /// A position or length as messages write it ("2.3", "8.95833").
    public static func seconds(_ t: Double) -> String { String(format: "%g", t) }

    /// The length from `start` that `duration`, else an `end` position, gives (nil: to the end);
    /// -t wins over -to, as in ffmpeg. An end at or before the start is a usage error.
    public static func length(from start: Double, duration: Double?, end: Double?, whatWouldBe: String) throws -> Double? {
        if let duration { return duration }
        guard let end else { return nil }
        guard end > start else {
            throw GIDError.usage("-to \(seconds(end)): not after -ss \(seconds(start)); nothing would be \(whatWouldBe)")
        }
        return end - start
    }

    /// Slack for timestamps rounded to the time base: a frame at 1.99999 s is "at 2 s".
    static let tolerance = 1e-6

    /// Whether `time` (seconds; `origin` subtracted) is inside; a missing time counts as inside.
    func contains(_ time: Double?, from origin: Double) -> Bool {
        guard let time else { return true }
        let t = time - origin
        return t >= start - Self.tolerance && !isPast(t)
    }

    /// Whether `time` is at or after the end.
    func isPast(_ time: Double) -> Bool {
        guard let duration else { return false }
        return time >= start + duration - Self.tolerance
    }
}
