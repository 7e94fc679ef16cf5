import Foundation
import Bench
import Graph
import MediaIO
import Prior
import SpectralVolume

/// Entry point: returns the process exit status (see README's table of exit codes).
public func runMain(_ argv: [String]) -> Int32 {
    Interrupt.install()
    BLASThreads.stopIdle()
    // Subcommands use libav too: keep its own chatter off stderr unless -loglevel asks for it.
    LibavLog.install(level: Log.level)
    let args = Array(argv.dropFirst())
    do {
        switch args.first {
        case "filters":
            print(registry.helpText)
        case "help" where args.count > 1, "-h" where args.count > 1 && args[1].hasPrefix("filter="):
            let name = args[1].hasPrefix("filter=") ? String(args[1].dropFirst(7)) : args[1]
            print(try registry.help(for: name))
        case "-h", "--help", "-help", "help":
            print(usage)
        case "-version", "--version", "version":
            print("gid-filter \(version)")
            print(MediaInfo.libraryVersions)
            print("OpenBLAS kernels: \(BLASCore.coreName)")
            print("model: \(MotionPrior.defaultModelPath() ?? "none found (give model=PATH or set $\(MotionPrior.environmentVariable))")")
        case "bench":
            try Bench.run(Array(args.dropFirst()))
        case "flow": try FlowCommand.run(Array(args.dropFirst()))
        default:
            let parsed = try ArgumentParser.parse(args)
            Log.level = parsed.logLevel
            Limits.generatedFrames = parsed.frameLimit
            Limits.memoryBytes = parsed.memoryBytes
            LibavLog.install(level: parsed.logLevel)
            if parsed.input == "-" && isatty(0) == 1 && !parsed.outputGiven {
                throw GIDError.usage("no input: give -i FILE, or pipe media into stdin (see gid-filter -h)")
            }
            if parsed.output == "-" && isatty(1) == 1 && parsed.encode.format != "null" {
                throw GIDError.usage("refusing to write media to a terminal; give an output file or pipe stdout")
            }
            Log.holdNotices()
            try Transcode(args: parsed).run()
            Log.releaseNotices()
        }
        return 0
    } catch is DownstreamClosed {
        Log.releaseNotices()
        return 0  // the reader went away (| head): a quiet, successful end
    } catch let e as GIDError {
        OutputCleanup.abortAll()
        Log.dropNotices()
        Log.error(e.message)
        return e.kind.exitCode
    } catch {
        OutputCleanup.abortAll()
        Log.dropNotices()
        Log.error("internal error: \(error)")
        return GIDError.Kind.internal.exitCode
    }
}

let version = "0.1.0"

let usage = """
    gid-filter: Generative Image Dynamics as an FFmpeg-style streaming filter.

    Usage:
      gid-filter [-y|-n] [-ss POS] [-t S] [-f FMT] [-i INPUT] [-vf GRAPH] [-ss POS] [-t S] [-r FPS] [-s WxH]
                 [-c:v CODEC] [-crf N] [-preset P] [-pix_fmt FMT] [-f FMT] [OUTPUT]
      gid-filter filters              list every filter with its options
      gid-filter help FILTER          one filter's options, defaults and ranges
      gid-filter bench [--frames N]   time decode -> null -> encode against the ffmpeg CLI
      gid-filter bench --render-quality|--render-speed [--clips DIR]   renderers vs real frames / frames/s
      gid-filter flow -i A -i B OUT.flo [--viz V.png] [--preset fast|medium|best]   optical flow (flow -h)

    INPUT and OUTPUT default to - (stdin / stdout). Standard output carries NUT (rawvideo)
    unless -f says otherwise; the output format otherwise follows the extension
    (.mp4 .webm .mkv .mov .gif .webp .nut .y4m .png, out_%04d.png for a sequence).

    Options:
    \(ArgumentParser.helpText)

    Examples:
      gid-filter -i photo.jpg -vf "motion,loop=seconds=5" photo.mp4          still -> predicted motion -> seamless loop
      gid-filter -i trees.mp4 -vf "motion,loop=seconds=10" loop.webm         measured motion of a video, looped
      gid-filter -i trees.mp4 -vf "motion,magnify=gain=3:band=0.2-2" big.mp4
      gid-filter -i clip.mp4 -vf slowmo=4 slow.mp4                           frame-interpolated slow motion
      gid-filter -ss 12 -t 3 -i clip.mp4 -vf slowmo=4 slow.mp4               ... of seconds 12-15 only
      gid-filter -i photo.jpg -vf "motion,poke=x=0.4:y=0.3:dx=12" poke.mp4   pull a point and let go
      gid-filter -i photo.jpg -vf "motion,mask=file=water.png,loop=seconds=5" cinemagraph.mp4
      gid-filter -i photo.jpg -vf "motion,viz=heatmap:grid=1" where.png      where the motion is
      ffmpeg -i in.mp4 -c:v rawvideo -f nut - | gid-filter | ffmpeg -f nut -i - out.mp4
      gid-filter -i in.mp4 -vf "lavfi='scale=512:-2,fps=25'" out.webm
      gid-filter -i photo.jpg -vf null -t 3 -r 25 still.mp4
      gid-filter -i clip.mp4 -t 2 -s 320x180 clip.gif
      gid-filter -i clip.mkv -f yuv4mpegpipe - | ffplay -

    Exit codes: 0 ok (also when the downstream pipe closes), 2 usage, 3 input, 4 output,
    5 codec, 6 internal, 130 interrupted.
    """
