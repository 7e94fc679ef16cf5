import Foundation
import Graph

/// `.gidm` motion files: a Scene as safetensors (names, shapes and metadata in docs/motion-file.md).
public enum MotionFile {
    /// Written into `format_version`; readers accept this version only.
    public static let formatVersion = "1"
    /// Real parts tensor name, [K, 2, H, W].
    public static let realName = "spectral_volume.real"
    /// Imaginary parts tensor name, [K, 2, H, W].
    public static let imagName = "spectral_volume.imag"
    /// Reference image tensor name, [3, H, W] RGB 0..1.
    public static let imageName = "reference_image"
    /// Optional alpha tensor name, [H, W].
    public static let alphaName = "reference_alpha"
    /// Normalization scales tensor name, [K] (present iff normalized = adaptive).
    public static let scalesName = "normalization.scales"
    /// Optional metadata: the timeline's slowmo factor (output seconds per texture second).
    public static let slowdownKey = "timeline.slowdown"
    /// Optional metadata: the timeline's number of periods in a rendered clip.
    public static let periodsKey = "timeline.periods"
    /// Optional metadata: the timeline's exact clip length in output seconds (`loop=seconds`).
    public static let secondsKey = "timeline.seconds"
    /// Optional metadata: `Scene.editGain` (written when not 1).
    public static let editGainKey = "edit_gain"
    /// Optional metadata: the pulls of `poke` and how they ring down (`Dynamics.text`).
    public static let dynamicsKey = "dynamics"
    /// The coefficient convention, repeated in the metadata for readers without our docs.
    public static let convention =
        "S_k = (1/N) sum_n F_n exp(-2 pi i k n / N), f_k = k / window_seconds; " +
        "F(t) = Re S_0 + 2 sum_{k>=1} Re(S_k exp(2 pi i k t / N)), t in frames, N = window_seconds * fps; " +
        "axis 0 = x, axis 1 = y, pixels"

    /// The file's bytes for a scene (in memory: prefer `write` for big scenes).
    public static func encode(_ scene: Scene) -> [UInt8] {
        let (entries, metadata) = contents(scene)
        return SafeTensors.encode(entries, metadata: metadata)
    }

    /// The tensors (views of the scene's own arrays) and metadata of a scene's file.
    static func contents(_ scene: Scene) -> ([SafeTensors.Entry], [String: String]) {
        let v = scene.volume
        let K = v.frequencies, H = v.height, W = v.width
        var entries: [SafeTensors.Entry] = [
            (realName, [K, 2, H, W], v.real),
            (imagName, [K, 2, H, W], v.imag),
            (imageName, [3, H, W], scene.image.data[...]),
        ]
        if let a = scene.image.alpha { entries.append((alphaName, [H, W], a[...])) }
        if case .adaptive(let stats) = v.normalization { entries.append((scalesName, [K], stats.scales[...])) }
        var metadata: [String: String] = [
            "format": "gidm",
            "format_version": formatVersion,
            "fps": String(v.fps),
            "window_seconds": String(v.windowSeconds),
            "num_frequencies": String(K),
            "source": v.source,
            "normalized": v.normalization.name,
            "convention": convention,
            slowdownKey: String(scene.timeline.slowdown),
            periodsKey: String(scene.timeline.periods),
        ]
        if let d = scene.dynamics { metadata[dynamicsKey] = d.text }
        if let seconds = scene.timeline.seconds { metadata[secondsKey] = String(seconds) }
        if scene.editGain != 1 { metadata[editGainKey] = String(scene.editGain) }
        return (entries, metadata)
    }

    /// Streams a scene's file to standard output (a pipe), tensor by tensor.
    public static func writeToStandardOutput(_ scene: Scene) throws {
        let (entries, metadata) = contents(scene)
        try SafeTensors.write(entries, metadata: metadata, to: 1, name: "-")
    }

    /// Writes a scene to `path`: a hidden temporary file beside it, renamed into place when
    /// complete (as MediaIO's outputs), so a failed write never leaves a partial file.
    /// `replacing` false: fail if `path` exists when the file is moved into place (-n).
    public static func write(_ scene: Scene, to path: String, replacing: Bool = true) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).gid-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        func fail() -> GIDError { GIDError.output("\(path): cannot write motion file (\(String(cString: strerror(errno))))") }
        let token = TempFiles.register(temp)
        defer { TempFiles.unregister(token) }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw fail() }
        do {
            defer { close(fd) }
            let (entries, metadata) = contents(scene)
            try SafeTensors.write(entries, metadata: metadata, to: fd, name: path)
        } catch {
            unlink(temp)
            throw error
        }
        guard TempFiles.move(temp, to: path, replacing: replacing) else {
            let e = TempFiles.moveError(path)
            unlink(temp)
            throw e
        }
    }

    /// Reads and validates a motion file.
    public static func read(from path: String) throws -> Scene {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GIDError.input("\(path): cannot read motion file")
        }
        return try decode([UInt8](data), name: path)
    }

    /// Parses a motion file's bytes; `name` (the path) starts every error message.
    public static func decode(_ bytes: [UInt8], name: String) throws -> Scene {
        func fail(_ m: String) -> GIDError { GIDError.input("\(name): \(m)") }
        let st = try SafeTensors.decode(bytes, name: name)
        let meta = st.metadata

        if let version = meta["format_version"], version != formatVersion {
            throw fail("unsupported format_version '\(version)' (this build reads \(formatVersion))")
        }
        func positive(_ key: String, _ range: ClosedRange<Double>) throws -> Double {
            guard let s = meta[key] else { throw fail("missing metadata '\(key)'") }
            guard let x = Double(s), x.isFinite, x > 0 else { throw fail("metadata '\(key)' = '\(s)' is not a positive number") }
            guard range.contains(x) else { throw fail("metadata '\(key)' = '\(s)' is outside \(range.lowerBound)...\(range.upperBound)") }
            return x
        }
        let fps = try positive("fps", Limits.frameRate)
        let window = try positive("window_seconds", SpectralVolume.windowRange)

        func tensor(_ key: String, required: Bool = true) throws -> SafeTensors.Tensor? {
            guard let t = st.tensors[key] else {
                if required { throw fail("missing tensor '\(key)'") }
                return nil
            }
            guard t.dtype == "F32" else { throw fail("tensor '\(key)' has dtype \(t.dtype), want F32") }
            if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(key)' holds \(t.values[bad]) at element \(bad) (NaN/Inf are not allowed)")
            }
            return t
        }
        let re = try tensor(realName)!
        let im = try tensor(imagName)!
        guard re.shape.count == 4, re.shape[1] == 2 else {
            throw fail("tensor '\(realName)' has shape \(re.shape), want [K, 2, H, W]")
        }
        guard im.shape == re.shape else {
            throw fail("tensor '\(imagName)' has shape \(im.shape), '\(realName)' has \(re.shape)")
        }
        let K = re.shape[0], H = re.shape[2], W = re.shape[3]
        guard SpectralVolume.frequencyRange.contains(K) else {
            throw fail("K=\(K) frequencies is outside 1..75")
        }
        guard H > 0, W > 0 else { throw fail("empty grid \(W)x\(H)") }
        guard Limits.side.contains(H), Limits.side.contains(W) else { throw fail("grid \(W)x\(H) is larger than 16384") }
        if let s = meta["num_frequencies"], Int(s) != K {
            throw fail("metadata num_frequencies '\(s)' disagrees with the tensors' K=\(K)")
        }
        let img = try tensor(imageName)!
        guard img.shape == [3, H, W] else {
            throw fail("tensor '\(imageName)' has shape \(img.shape), want [3, \(H), \(W)]")
        }
        let alpha = try tensor(alphaName, required: false)
        if let a = alpha, a.shape != [H, W] {
            throw fail("tensor '\(alphaName)' has shape \(a.shape), want [\(H), \(W)]")
        }

        let normalized = meta["normalized"] ?? "none"
        let scales = try tensor(scalesName, required: false)
        let normalization: SpectralVolume.Normalization
        switch normalized {
        case "none":
            guard scales == nil else { throw fail("tensor '\(scalesName)' present but metadata normalized = none") }
            normalization = .none
        case "adaptive":
            guard let s = scales else { throw fail("metadata normalized = adaptive but tensor '\(scalesName)' is missing") }
            guard s.shape == [K] else { throw fail("tensor '\(scalesName)' has shape \(s.shape), want [\(K)]") }
            guard s.values.allSatisfy({ $0 > 0 }) else { throw fail("tensor '\(scalesName)' holds a scale <= 0") }
            normalization = .adaptive(try NormalizationStats(scales: s.values))
        default:
            throw fail("metadata normalized = '\(normalized)', want none or adaptive")
        }

        var timeline = Timeline()
        if let text = meta[slowdownKey] {
            guard let x = Double(text), Timeline.slowdownRange.contains(x) else {
                throw fail("metadata '\(slowdownKey)' = '\(text)' is not a number in \(Timeline.slowdownRange)")
            }
            timeline.slowdown = x
        }
        if let text = meta[periodsKey] {
            guard let n = Int(text), Timeline.periodsRange.contains(n) else {
                throw fail("metadata '\(periodsKey)' = '\(text)' is not a whole number in \(Timeline.periodsRange)")
            }
            timeline.periods = n
        }
        if let text = meta[secondsKey] {
            guard let x = Double(text), Timeline.secondsRange.contains(x) else {
                throw fail("metadata '\(secondsKey)' = '\(text)' is not a number of seconds in \(Timeline.secondsRange)")
            }
            timeline.seconds = x
        }

        do {
            let volume = try SpectralVolume(frequencies: K, width: W, height: H, data: re.values + im.values,
                                            fps: fps, windowSeconds: window, source: meta["source"] ?? name,
                                            normalization: normalization)
            var scene = try Scene(image: RGBImage(width: W, height: H, data: img.values, alpha: alpha?.values), volume: volume,
                                  timeline: timeline)
            scene.dynamics = try meta[dynamicsKey].map(Dynamics.init(text:))
            if let text = meta[editGainKey] {
                guard let x = Double(text), Scene.editGainRange.contains(x) else {
                    throw fail("metadata '\(editGainKey)' = '\(text)' is not a number in \(Scene.editGainRange)")
                }
                scene.editGain = x
            }
            return scene
        } catch let e as GIDError {
            throw fail(e.message)
        }
    }
}
