import CFFmpeg
import Graph
#if canImport(Glibc)
import Glibc
#endif

/// libavfilter, opened the first time a chain needs it rather than linked.
///
/// Why: Debian's libavfilter brings 29 more shared libraries (rubberband, flite, vidstab, zimg,
/// OpenCL...); loading and relocating them was a quarter of every run's start-up (`gid-filter
/// -version` 62 -> 46 ms without them on this machine), paid by runs that never build a chain
/// (nearly all: only `lavfi`, `-s`, `-r` and GIF output use one). CFFmpeg still supplies the
/// headers' types; no code may call an `avfilter_` or `av_buffersrc`/`av_buffersink` function
/// directly (the link would fail).
struct Libavfilter: @unchecked Sendable {
    let graphAlloc: @convention(c) () -> UnsafeMutablePointer<AVFilterGraph>?
    let graphFree: @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<AVFilterGraph>?>?) -> Void
    let getByName: @convention(c) (UnsafePointer<CChar>?) -> UnsafePointer<AVFilter>?
    let createFilter: @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<AVFilterContext>?>?, UnsafePointer<AVFilter>?,
                                      UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?,
                                      UnsafeMutablePointer<AVFilterGraph>?) -> Int32
    let inoutAlloc: @convention(c) () -> UnsafeMutablePointer<AVFilterInOut>?
    let inoutFree: @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<AVFilterInOut>?>?) -> Void
    let parse: @convention(c) (UnsafeMutablePointer<AVFilterGraph>?, UnsafePointer<CChar>?,
                               UnsafeMutablePointer<UnsafeMutablePointer<AVFilterInOut>?>?,
                               UnsafeMutablePointer<UnsafeMutablePointer<AVFilterInOut>?>?, UnsafeMutableRawPointer?) -> Int32
    let config: @convention(c) (UnsafeMutablePointer<AVFilterGraph>?, UnsafeMutableRawPointer?) -> Int32
    let addFrame: @convention(c) (UnsafeMutablePointer<AVFilterContext>?, UnsafeMutablePointer<AVFrame>?, Int32) -> Int32
    let getFrame: @convention(c) (UnsafeMutablePointer<AVFilterContext>?, UnsafeMutablePointer<AVFrame>?) -> Int32
    let sinkInt: (w: SinkInt, h: SinkInt, format: SinkInt)
    let sinkRational: (timeBase: SinkRational, frameRate: SinkRational)
    let sinkType: @convention(c) (UnsafePointer<AVFilterContext>?) -> AVMediaType

    typealias SinkInt = @convention(c) (UnsafePointer<AVFilterContext>?) -> Int32
    typealias SinkRational = @convention(c) (UnsafePointer<AVFilterContext>?) -> AVRational

    /// The library the headers describe (same major version), loaded once per process.
    static func shared() throws -> Libavfilter { try loaded.get() }

    private static let loaded: Result<Libavfilter, any Error> = Result { try load() }

    private static func load() throws -> Libavfilter {
        let name = "libavfilter.so.\(LIBAVFILTER_VERSION_MAJOR)"
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            throw GIDError.codec("libavfilter: \(why) (needed for lavfi, -s, -r and GIF output; Debian package libavfilter8)")
        }
        // Each function's C type is the property's it initializes (inferred: written once, above).
        func symbol<T>(_ name: String) throws -> T {
            guard let p = dlsym(handle, name) else {
                throw GIDError.codec("libavfilter: \(name) is missing from libavfilter.so.\(LIBAVFILTER_VERSION_MAJOR)")
            }
            return unsafeBitCast(p, to: T.self)
        }
        return Libavfilter(
            graphAlloc: try symbol("avfilter_graph_alloc"),
            graphFree: try symbol("avfilter_graph_free"),
            getByName: try symbol("avfilter_get_by_name"),
            createFilter: try symbol("avfilter_graph_create_filter"),
            inoutAlloc: try symbol("avfilter_inout_alloc"),
            inoutFree: try symbol("avfilter_inout_free"),
            parse: try symbol("avfilter_graph_parse_ptr"),
            config: try symbol("avfilter_graph_config"),
            addFrame: try symbol("av_buffersrc_add_frame_flags"),
            getFrame: try symbol("av_buffersink_get_frame"),
            sinkInt: (try symbol("av_buffersink_get_w"), try symbol("av_buffersink_get_h"), try symbol("av_buffersink_get_format")),
            sinkRational: (try symbol("av_buffersink_get_time_base"), try symbol("av_buffersink_get_frame_rate")),
            sinkType: try symbol("av_buffersink_get_type"))
    }
}
