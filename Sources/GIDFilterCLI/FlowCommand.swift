import Flow
import Foundation
import Graph
import MediaIO
import SpectralVolume

/// `gid-filter flow`: dense optical flow between two pictures (Middlebury .flo out, optional
/// colour-coded PNG), or measured motion of a clip's window against its first frame.
enum FlowCommand {
    static let help = """
        gid-filter flow -i A -i B [-y] [--preset fast|medium|best] [--viz VIZ.png] [--confidence C.png] OUT.flo
        gid-filter flow -i CLIP --window N [--preset P] [OUT.flo]

          -i A -i B        two pictures of the same size (any format gid-filter decodes)
          OUT.flo          flow A -> B, Middlebury .flo (B(x + u, y + v) ~ A(x, y))
          --viz FILE       Middlebury colour coding of the flow (hue = direction, saturation = length)
          --confidence F   forward-backward consistency map as grey (white = consistent)
          --preset P       fast, medium (default) or best
          --repeat N       compute N times and report the time per pair on stderr (benchmarks)
          --window N       clip mode: flows from frame 0 to frames 1..N-1, shake removed, streamed into
                           a spectral volume; reports the time; OUT.flo gets the last field
          -y               overwrite outputs
        """

    static func run(_ argv: [String]) throws {
        var inputs: [String] = []
        var output: String?
        var viz: String?
        var confidence: String?
        var preset = FlowPreset.medium
        var repeats = 1
        var window: Int?
        var overwrite = false
        var i = 0
        func value(_ name: String) throws -> String {
            guard i + 1 < argv.count else { throw GIDError.usage("flow: \(name) needs a value") }
            i += 1
            return argv[i]
        }
        while i < argv.count {
            let a = argv[i]
            switch a {
            case "-i": inputs.append(try value(a))
            case "--viz": viz = try value(a)
            case "--confidence": confidence = try value(a)
            case "-y": overwrite = true
            case "--preset":
                let v = try value(a)
                guard let p = FlowPreset(rawValue: v) else {
                    throw GIDError.usage("flow: --preset \(v): use fast, medium or best")
                }
                preset = p
            case "--repeat":
                let v = try value(a)
                guard let n = Int(v), n >= 1 else { throw GIDError.usage("flow: --repeat \(v): want a count >= 1") }
                repeats = n
            case "--window":
                let v = try value(a)
                guard let n = Int(v), n >= 2 else { throw GIDError.usage("flow: --window \(v): want a frame count >= 2") }
                window = n
            case "-h", "--help":
                print(help)
                return
            default:
                guard !a.hasPrefix("-") || a == "-", output == nil else {
                    throw GIDError.usage("flow: unexpected argument '\(a)' (see gid-filter flow -h)")
                }
                output = a
            }
            i += 1
        }
        for path in [output, viz, confidence].compactMap({ $0 }) where !overwrite && FileManager.default.fileExists(atPath: path) {
            throw GIDError.output("\(path): already exists; use -y to overwrite")
        }
        if let window {
            guard inputs.count == 1 else { throw GIDError.usage("flow: --window takes one -i CLIP") }
            try measureWindow(inputs[0], frames: window, preset: preset, output: output)
            return
        }
        guard inputs.count == 2 else {
            throw GIDError.usage("flow: give two pictures, -i A -i B (got \(inputs.count)); see gid-filter flow -h")
        }
        guard let output else { throw GIDError.usage("flow: give an output .flo file") }
        let a = try Pictures.first(inputs[0]), b = try Pictures.first(inputs[1])
        guard a.width == b.width, a.height == b.height else {
            throw GIDError.input("flow: \(inputs[1]) is \(b.width)x\(b.height), \(inputs[0]) is \(a.width)x\(a.height); the frames must be the same size")
        }
        let ga = GrayImage(a), gb = GrayImage(b)
        let estimator = OpticalFlow(preset: preset)
        var field = try estimator.compute(from: ga, to: gb)
        if repeats > 1 {
            var times: [Double] = []
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                field = try estimator.compute(from: ga, to: gb)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            times.sort()
            Log.write(.info, String(format: "flow: %dx%d preset %@: %.2f ms per pair (median of %d, min %.2f)",
                                     a.width, a.height, preset.rawValue, times[times.count / 2], repeats, times[0]))
        }
        try FloFile.write(field, to: output)
        if let viz { try Pictures.write(FlowColor.image(field), to: viz) }
        if let confidence {
            let back = try estimator.compute(from: gb, to: ga)
            let map = try FlowConsistency.confidence(forward: field, backward: back)
            try Pictures.write(GrayImage(width: a.width, height: a.height, data: map.map { $0 * 255 }).rgb, to: confidence)
        }
    }

    /// Clip mode: the motion analysis of the first `frames` frames, timed.
    static func measureWindow(_ path: String, frames: Int, preset: FlowPreset, output: String?) throws {
        let reader = try MediaReader(path: path)
        guard let first = try reader.nextFrame() else { throw GIDError.input("\(path): no frames") }
        let fps = reader.info.frameRate.map { $0.value } ?? 25
        var grey: LavfiGraph?
        let reference = try Pictures.rgb(first, reader: reader, grey: &grey)
        let start = DispatchTime.now().uptimeNanoseconds
        var flowSeconds = 0.0
        let analysis = try MotionAnalysis(reference: reference, frames: frames, fps: fps,
                                          parameters: FlowParameters(preset), source: path)
        var last: FlowField?
        var largestShift: Float = 0
        while analysis.count < frames {
            guard let frame = try reader.nextFrame() else {
                throw GIDError.input("\(path): the clip has \(analysis.count) frames, fewer than the window's \(frames)")
            }
            let picture = try Pictures.rgb(frame, reader: reader, grey: &grey)
            let t0 = DispatchTime.now().uptimeNanoseconds
            last = try analysis.add(picture)
            flowSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let s = analysis.estimator.lastShift
            largestShift = max(largestShift, (s.u * s.u + s.v * s.v).squareRoot())
        }
        let volume = try analysis.finish()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        Log.write(.info, String(format: "flow: %@ %dx%d, %d frames, preset %@: %.2f s total (flow %.2f s, %.1f ms/frame), largest shake removed %.2f px, spectral volume %dx%d K=%d",
                                 path, reference.width, reference.height, frames, preset.rawValue, total, flowSeconds,
                                 flowSeconds / Double(frames - 1) * 1000, largestShift, volume.width, volume.height, volume.frequencies))
        if let output, let last { try FloFile.write(last, to: output) }
    }
}
