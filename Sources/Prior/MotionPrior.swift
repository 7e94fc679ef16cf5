import Foundation
import Graph
import SpectralVolume

/// The learned motion prior, run in Swift: a model file of either kind, loaded by its metadata,
/// and one still -> a spectral volume at the still's size (fps 30, T = 5 s).
///
/// - `amplitude` (format_version 2, the shipped default): amplitudes regressed from the picture,
///   random smooth phases (AmplitudePrior);
/// - `diffusion` (format_version 1): the DDIM-sampled spectral volume (DiffusionPrior).
public struct MotionPrior: Sendable {
    public enum Engine: Sendable {
        case amplitude(AmplitudePrior)
        case diffusion(DiffusionPrior)
    }

    public let engine: Engine
    /// The file it was loaded from (for messages and the scene's source).
    public let file: String

    /// The file name the shipped model has (Models/ in the source tree).
    public static let defaultFileName = "gid-prior-default.safetensors"
    /// The environment variable that points at a model file.
    public static let environmentVariable = "GID_PRIOR_MODEL"

    /// Loads an exported gid-prior file (Training/export.py); every problem is a `PriorError`
    /// naming the file.
    public init(contentsOf path: String) throws(PriorError) {
        let f = try TensorFile(path: path)
        guard f.metadata["format"] == "gid-prior" else {
            throw PriorError(.corrupt, file: path, "not a gid-prior model (metadata format=\(f.metadata["format"] ?? "none"))")
        }
        switch f.metadata["format_version"] {
        case "1": engine = .diffusion(try DiffusionPrior(f))
        case "2": engine = .amplitude(try AmplitudePrior(f))
        case let v: throw PriorError(.unsupported, file: path, "gid-prior format_version \(v ?? "none") (this build reads 1 and 2)")
        }
        file = path
    }

    /// Frequencies K of the volumes it predicts.
    public var K: Int {
        switch engine {
        case .amplitude(let p): p.config.K
        case .diffusion(let p): p.config.K
        }
    }

    /// A short description for logs.
    public var kind: String {
        switch engine {
        case .amplitude: "amplitude prior"
        case .diffusion: "diffusion prior"
        }
    }

    /// The model used when none is named: $GID_PRIOR_MODEL if set; else the first
    /// `gid-prior-default.safetensors` found beside the executable (also in `Models/` and
    /// `../share/gid-filter/` there), then in `Models/` of any folder above the executable (a
    /// build inside the checkout), then in the checkout this binary was built from.
    /// Returns nil when there is none.
    public static func defaultModelPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let p = environment[environmentVariable], !p.isEmpty { return p }
        var candidates: [URL] = []
        if let exe = executableURL() {
            let dir = exe.deletingLastPathComponent()
            candidates += [dir.appendingPathComponent(defaultFileName),
                           dir.appendingPathComponent("Models/\(defaultFileName)"),
                           dir.deletingLastPathComponent().appendingPathComponent("share/gid-filter/\(defaultFileName)")]
            var up = dir
            for _ in 0..<6 {
                up = up.deletingLastPathComponent()
                candidates.append(up.appendingPathComponent("Models/\(defaultFileName)"))
                if up.path == "/" { break }
            }
        }
        // Sources/Prior/MotionPrior.swift -> the checkout's Models/.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("Models/\(defaultFileName)"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.path
    }

    /// Loads `path`, or the default model when `path` is empty.
    public static func load(_ path: String = "") throws(PriorError) -> MotionPrior {
        if !path.isEmpty { return try MotionPrior(contentsOf: path) }
        guard let found = defaultModelPath() else {
            throw PriorError(.missingFile, file: defaultFileName,
                             "no model file found beside the executable, in Models/ or at $\(environmentVariable); give model=PATH")
        }
        return try MotionPrior(contentsOf: found)
    }

    private static func executableURL() -> URL? {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: p)
        }
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }

    /// The still's motion at its own size (raw pixels, fps 30, T = 5 s). `steps` and `guidance`
    /// are the diffusion prior's (the amplitude prior takes only the seed). The result is the
    /// same for any thread count.
    public func predict(image: RGBImage, steps: Int = 25, seed: UInt64 = 0, guidance: Double = 1.5,
                        threads: Int = 2) throws(PriorError) -> SpectralVolume {
        guard image.width >= 2, image.height >= 2 else {
            throw PriorError(.invalidArgument, file: file, "the still is \(image.width)x\(image.height); the prior needs at least 2x2")
        }
        let data: [Float]
        let settings: String
        switch engine {
        case .amplitude(let p):
            data = p.predict(image: image, seed: seed, threads: threads)
            settings = "seed=\(seed)"
        case .diffusion(let p):
            data = try p.predict(image: image, steps: steps, seed: seed, guidance: guidance, threads: threads)
            settings = "seed=\(seed) steps=\(steps) guidance=\(guidance)"
        }
        // Damaged weights (NaN or Inf, or values that overflow on the way) give non-finite motion:
        // the model file is at fault, not the still.
        if let bad = data.firstIndex(where: { !$0.isFinite }) {
            throw PriorError(.corrupt, file: file, "the model produced \(data[bad]) motion (its weights hold NaN/Inf or overflow); reinstall or retrain it")
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        do {
            return try SpectralVolume(frequencies: K, width: image.width, height: image.height, data: data, fps: 30,
                                      windowSeconds: 5, source: Scene.predictedSourcePrefix + "\(name) \(settings)")
        } catch {
            throw PriorError(.invalidArgument, file: file, "\(error)")
        }
    }

    /// (K, 4, H, W) = [Re x, Re y, Im x, Im y] per frequency -> the SpectralVolume layout:
    /// real (K, 2, H, W), then imaginary.
    static func volumeLayout(_ S: [Float], K: Int, plane: Int) -> [Float] {
        var data = [Float](repeating: 0, count: 4 * K * plane)
        let part = 2 * K * plane
        for k in 0..<K {
            for axis in 0..<2 {
                let dst = (k * 2 + axis) * plane
                let re = (k * 4 + axis) * plane, im = (k * 4 + 2 + axis) * plane
                for i in 0..<plane {
                    data[dst + i] = S[re + i]
                    data[part + dst + i] = S[im + i]
                }
            }
        }
        return data
    }
}
