import Foundation
import GIDFilterCLI
import Graph
import LavfiFilter
import LoopFilter
import MagnifyFilter
import MaskFilter
import MotionFilter
import MotionSaveFilter
import NullFilter
import PokeFilter
import PredictFilter
import Prior
import RenderFilter
import SlowmoFilter
import SpectralVolume
import VizFilter

/// What one input did: parsed (and went on through whatever the target runs next), or was
/// refused with a thrown error. Both are fine; only a crash, a hang or a sanitizer report is a bug.
enum Outcome: Sendable {
    case accepted(String)
    case rejected(String)
}

/// One line on standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// The fuzz targets (docs/fuzzing.md). Each takes raw bytes, never traps on purpose, and turns
/// every thrown error into `.rejected`; a trap, a sanitizer report, a hang or an absurd
/// allocation inside is a bug in the code under test.
enum FuzzTargets {
    struct Target: Sendable {
        let name: String
        let summary: String
        let run: @Sendable ([UInt8]) -> Outcome
    }

    static let all: [Target] = [
        Target(name: "gidm", summary: "MotionFile.decode, round trip through encode, a few rendered frames", run: gidm),
        Target(name: "safetensors", summary: "SafeTensors.decode, the prior's model-file reader and, for gid-prior files, the engine", run: safetensors),
        Target(name: "modelconfig", summary: "model_config JSON: PriorConfig.parse (diffusion) and AmplitudeConfig.parse", run: modelConfig),
        Target(name: "graph", summary: "GraphParser.parse, registry lookup, option tables, and a chain run on a tiny scene", run: graph),
        Target(name: "args", summary: "the CLI's ArgumentParser.parse on NUL-separated argv, then its graph", run: args),
    ]

    static func named(_ name: String) -> Target? { all.first { $0.name == name } }

    /// Process-wide settings before the first input: the library's own log lines (render's
    /// warnings, say) stay off stderr unless GID_FUZZ_LOGLEVEL asks for them (quiet, error, ...).
    static func configure() {
        let env = ProcessInfo.processInfo.environment["GID_FUZZ_LOGLEVEL"] ?? "quiet"
        Log.level = LogLevel(parsing: env) ?? .quiet
    }

    // MARK: gidm

    static func gidm(_ data: [UInt8]) -> Outcome {
        let scene: Scene
        do {
            scene = try MotionFile.decode(data, name: "fuzz.gidm")
        } catch {
            return .rejected("\(error)")
        }
        // What the CLI announces for a motion input: the scene's default clip.
        let info = StreamInfo.motion(scene, source: "fuzz.gidm")
        // A scene that decoded must survive its own encoding (the writer and the reader agree).
        let again: Scene
        do {
            again = try MotionFile.decode(MotionFile.encode(scene), name: "round-trip")
        } catch {
            fatalError("gidm: a decoded scene does not decode after encode: \(error)")
        }
        guard again.volume == scene.volume, again.timeline == scene.timeline, again.dynamics == scene.dynamics,
              again.image.data == scene.image.data, again.image.alpha == scene.image.alpha else {
            fatalError("gidm: encode/decode round trip changed the scene")
        }
        // Small scenes also go through `render`, as `gid-filter -i F out.mp4` would take them.
        guard scene.width * scene.height * scene.volume.frequencies <= 1 << 14 else { return .accepted("decoded (not rendered: large)") }
        do {
            let chain = try FilterChain(registry: SafeChain.registry, graph: "render", input: info)
            let n = try SafeChain.run(chain, items: [.motion(scene)])
            return .accepted("decoded, \(n) frames rendered")
        } catch {
            return .accepted("decoded; render refused: \(error)")
        }
    }

    // MARK: safetensors

    static func safetensors(_ data: [UInt8]) -> Outcome {
        do {
            let st = try SafeTensors.decode(data, name: "fuzz.safetensors")
            let kind = try PriorFuzzing.loadModel(data, name: "fuzz.safetensors")
            return .accepted("\(st.tensors.count) tensors, \(st.metadata.count) metadata; \(kind)")
        } catch {
            return .rejected("\(error)")
        }
    }

    // MARK: modelconfig

    static func modelConfig(_ data: [UInt8]) -> Outcome {
        let json = String(decoding: data, as: UTF8.self)
        var results: [String] = []
        for (kind, parse) in [("diffusion", PriorFuzzing.diffusionConfig), ("amplitude", PriorFuzzing.amplitudeConfig)] {
            do {
                try parse(json)
                results.append("\(kind): ok")
            } catch {
                results.append("\(kind): \(error)")
            }
        }
        let text = results.joined(separator: "; ")
        return results.contains { $0.hasSuffix(": ok") } ? .accepted(text) : .rejected(text)
    }

    // MARK: graph

    static func graph(_ data: [UInt8]) -> Outcome {
        let text = String(decoding: data, as: UTF8.self)
        do {
            let filters = try GraphParser.parse(text)
            try checkOptions(filters)
            let n = try SafeChain.run(graph: filters)
            return .accepted("\(filters.count) filters; \(n)")
        } catch {
            return .rejected("\(error)")
        }
    }

    /// Looks every filter up in the CLI's own registry and parses its options with the filter's
    /// table, without constructing it (construction may read files or load the prior).
    static func checkOptions(_ filters: [ParsedFilter]) throws {
        for f in filters {
            let d = try CLIFuzzing.filterRegistry.lookup(f.name)
            guard let parse = OptionParsers.table[d.name] else {
                fatalError("gid-fuzz: filter '\(d.name)' is in the CLI registry but not in OptionParsers.table (Sources/gid-fuzz/Targets.swift)")
            }
            try parse(f.args, f.id.map { "\(f.name)@\($0)" } ?? f.name)
            // The parts of the descriptor the CLI reads while planning a chain.
            _ = d.outputKind(for: .frames)
            _ = d.outputKind(for: .motion)
        }
        if filters.count <= 2 {
            for f in filters { _ = try? CLIFuzzing.filterRegistry.help(for: f.name) }
        }
    }

    // MARK: args

    static func args(_ data: [UInt8]) -> Outcome {
        var argv = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if argv.last == "" { argv.removeLast() }  // a file that ends with NUL
        do {
            let graph = try CLIFuzzing.parseArguments(argv)
            let filters = try GraphParser.parse(graph)
            try checkOptions(filters)
            // The CLI follows the stream kinds along the chain to decide whether to append render.
            for start in [StreamKind.frames, .motion] {
                _ = try filters.reduce(start) { kind, f in try CLIFuzzing.filterRegistry.lookup(f.name).outputKind(for: kind) }
            }
            return .accepted("\(argv.count) arguments, \(filters.count) filters")
        } catch {
            return .rejected("\(error)")
        }
    }
}

/// Option parsing per filter name, typed: each filter's own `Options.parse` (the half of
/// `FilterDescriptor.make` that does not construct the filter).
enum OptionParsers {
    typealias Parse = @Sendable ([FilterArgument], String) throws -> Void

    static func parser<F: Filter>(_ type: F.Type) -> (String, Parse) {
        (F.name, { args, label in _ = try F.Options.parse(args, filter: label) })
    }

    static let table: [String: Parse] = Dictionary(uniqueKeysWithValues: [
        parser(LavfiFilter.self), parser(LoopFilter.self), parser(MagnifyFilter.self), parser(MaskFilter.self),
        parser(MotionFilter.self), parser(MotionSaveFilter.self), parser(NullFilter.self), parser(PokeFilter.self),
        parser(PredictFilter.self), parser(RenderFilter.self), parser(SlowmoFilter.self), parser(VizFilter.self),
    ])
}

/// Chains of the filters whose construction touches no file, no model and no libavfilter, run
/// on a tiny synthetic scene (or three tiny frames) with a cap on what comes out.
enum SafeChain {
    /// Filters left out of the chain run: they read or write files (motion, predict, motionsave,
    /// mask with file=) or hand the text to libavfilter (lavfi).
    static let unsafe: Set<String> = ["motion", "predict", "motionsave", "lavfi"]

    static let registry: FilterRegistry = FilterRegistry(
        CLIFuzzing.filterRegistry.all.filter { !unsafe.contains($0.name) },
        conversion: { from, to in from == .motion && to == .frames ? ParsedFilter(name: "render") : nil })

    /// At most this many items leave a chain (a long clip or a big slowmo factor stops there).
    static let maxItems = 3
    /// Chains whose output is bigger than this are built but not run (render=size=16384x16384
    /// is a legitimate request, just not one to repeat a million times).
    static let maxPixels = 128 * 128

    struct Enough: Error {}

    /// Builds the runnable part of `filters` and pushes the synthetic input through it.
    static func run(graph filters: [ParsedFilter]) throws -> String {
        let runnable = filters.filter { f in
            guard !unsafe.contains(f.name) else { return false }
            if f.name == "mask" { return !f.args.contains { $0.key == nil || $0.key == "file" } }
            return true
        }
        guard !runnable.isEmpty else { return "nothing to run" }
        // Motion in, unless the chain starts with a filter that only takes frames; a filter that
        // takes both kinds (slowmo) gets motion first, then frames if the chain refuses motion.
        let first = try registry.lookup(runnable[0].name)
        let kinds: [StreamKind] = first.acceptsAnyKind ? [.motion, .frames] : [first.inputKind]
        let scene = try tinyScene()
        var failure: Error?
        for kind in kinds {
            let input = kind == .motion ? StreamInfo.motion(scene, source: "fuzz")
                : StreamInfo(width: scene.width, height: scene.height, timeBase: Rational(1, 24), frameRate: Rational(24, 1),
                             frameCount: 3, duration: 0.125, source: "fuzz")
            let chain: FilterChain
            do {
                chain = try FilterChain(registry: registry, filters: runnable, input: input)
            } catch {
                failure = error
                continue
            }
            let items: [StreamItem] = kind == .motion ? [.motion(scene)]
                : (0..<3).map { .frame(Frame(tinyImage(phase: $0), pts: Int64($0), duration: 1, timeBase: Rational(1, 24))) }
            return "\(kind) in, \(try run(chain, items: items)) items out"
        }
        throw failure!
    }

    /// Pushes `items` through and finishes; returns how many items came out (at most maxItems).
    static func run(_ chain: FilterChain, items: [StreamItem]) throws -> Int {
        for s in chain.stages where s.node.output.width * s.node.output.height > maxPixels { return 0 }
        var count = 0
        let emit: Emit = { _ in
            count += 1
            if count >= maxItems { throw Enough() }
        }
        do {
            for item in items { try chain.push(item, emit: emit) }
            try chain.finish(emit: emit)
        } catch is Enough {}
        return count
    }

    static func tinyImage(phase: Int, width: Int = 16, height: Int = 12) -> RGBImage {
        let plane = width * height
        let data = (0..<(3 * plane)).map { i -> Float in
            let c = i / plane, p = i % plane, x = p % width + phase, y = p / width
            return Float((x * 7 + y * 13 + c * 5) % 17) / 16
        }
        return RGBImage(width: width, height: height, data: data)
    }

    /// 16x12, K = 4: smooth swaying motion everywhere, so `poke` finds something to pull.
    static func tinyScene() throws -> Scene {
        let K = 4, W = 16, H = 12
        var data = [Float](repeating: 0, count: 2 * K * 2 * H * W)
        for part in 0..<2 {
            for k in 1..<K {
                for axis in 0..<2 {
                    for y in 0..<H {
                        for x in 0..<W {
                            let i = ((part * K + k) * 2 + axis) * H * W + y * W + x
                            data[i] = Float(1.0 / Double(k)) * Float(sin(Double(x + 2 * y + axis + part) * 0.4))
                        }
                    }
                }
            }
        }
        let volume = try SpectralVolume(frequencies: K, width: W, height: H, data: data, fps: 24, windowSeconds: 1,
                                        source: "fuzz")
        return try Scene(image: tinyImage(phase: 0), volume: volume)
    }
}
