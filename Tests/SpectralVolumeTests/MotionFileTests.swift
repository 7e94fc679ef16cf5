import Foundation
import Graph
import Testing
@testable import SpectralVolume

/// True when `python3` can import safetensors.numpy (the interop test needs it).
let pythonSafetensorsAvailable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import numpy, safetensors.numpy"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// A safetensors file from a literal JSON header and data bytes (for malformed cases).
func rawFile(header: String, data: [UInt8], length: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out += $0 }
    return out + h + data
}

/// Header + data for F32 tensors (name, shape, values) with the given metadata, overriding dtypes.
func tensorFile(_ entries: [(String, [Int], [Float])], meta: [String: String] = ["fps": "30", "window_seconds": "5"],
                dtype: [String: String] = [:]) -> [UInt8] {
    var items: [String] = []
    let m = meta.keys.sorted().map { "\(SafeTensors.quote($0)):\(SafeTensors.quote(meta[$0]!))" }
    items.append("\"__metadata__\":{\(m.joined(separator: ","))}")
    var data: [UInt8] = []
    for (name, shape, values) in entries {
        let begin = data.count
        values.withUnsafeBytes { data += $0 }
        let shapeText = shape.map(String.init).joined(separator: ",")
        items.append("\"\(name)\":{\"dtype\":\"\(dtype[name] ?? "F32")\",\"shape\":[\(shapeText)],\"data_offsets\":[\(begin),\(data.count)]}")
    }
    return rawFile(header: "{" + items.joined(separator: ",") + "}", data: data)
}

/// A valid K-frequency file on a WxH grid, optionally replacing one tensor or metadata key.
func validFile(K: Int = 2, W: Int = 3, H: Int = 2, replace: [String: ([Int], [Float])] = [:],
               drop: String? = nil, meta: [String: String] = [:]) -> [UInt8] {
    var tensors: [String: ([Int], [Float])] = [
        "spectral_volume.real": ([K, 2, H, W], [Float](repeating: 0.5, count: K * 2 * H * W)),
        "spectral_volume.imag": ([K, 2, H, W], [Float](repeating: -0.5, count: K * 2 * H * W)),
        "reference_image": ([3, H, W], [Float](repeating: 0.25, count: 3 * H * W)),
    ]
    for (k, v) in replace { tensors[k] = v }
    if let d = drop { tensors[d] = nil }
    var m = ["fps": "30", "window_seconds": "5"]
    for (k, v) in meta { m[k] = v }
    return tensorFile(tensors.keys.sorted().map { ($0, tensors[$0]!.0, tensors[$0]!.1) }, meta: m)
}

@Suite struct MotionFileTests {
    @Test(arguments: [(false, false), (true, false), (false, true)])
    func roundTrip(normalized: Bool, alpha: Bool) throws {
        let scene = try sampleScene(normalized: normalized, alpha: alpha)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gidm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("scene.gidm").path
        try MotionFile.write(scene, to: path)
        let back = try MotionFile.read(from: path)
        #expect(back.volume == scene.volume)
        #expect(back.image.data == scene.image.data)
        #expect(back.image.alpha == scene.image.alpha)
        #expect((MotionFile.encode(scene).count - 8) % 4 == 0)
        #expect(back.editGain == 1)
    }

    @Test func magnificationRoundTrips() throws {
        var scene = try sampleScene(normalized: false, alpha: false)
        scene.editGain = 2.5
        let back = try MotionFile.decode(MotionFile.encode(scene), name: "m.gidm")
        #expect(back.editGain == 2.5)
        #expect(back.volume == scene.volume)
    }

    @Test func pythonWrittenFixtureLoads() throws {
        let scene = try MotionFile.read(from: fixturesDirectory.appendingPathComponent("python-written.gidm").path)
        let v = scene.volume
        #expect(v.frequencies == 3 && v.width == 6 && v.height == 4)
        #expect(v.fps == 30 && v.windowSeconds == 5 && v.source == "python-fixture")
        #expect(v.normalization == .adaptive(try NormalizationStats(scales: [1, 0.5, 0.25])))
        for k in 0..<3 { for a in 0..<2 { for y in 0..<4 { for x in 0..<6 {
            let c = v.coefficient(k: k, axis: a, y: y, x: x)
            #expect(abs(c.re - Float(Double(k) + 0.1 * Double(a) + 0.01 * Double(y) + 0.001 * Double(x))) < 1e-6)
            #expect(abs(c.im - Float(-Double(k + 1) * 0.5 + 0.001 * Double(x))) < 1e-6)
        } } } }
        for c in 0..<3 { for y in 0..<4 { for x in 0..<6 {
            #expect(abs(scene.image.data[(c * 4 + y) * 6 + x] - Float(24 * c + 6 * y + x) / 100) < 1e-6)
        } } }
    }

    @Test(.enabled(if: pythonSafetensorsAvailable, "python3 with numpy and safetensors is not installed (pip install safetensors numpy)"))
    func writtenFileLoadsInNumpy() throws {
        let scene = try sampleScene(K: 3, width: 6, height: 4, normalized: true, alpha: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gidm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ours.gidm").path
        try MotionFile.write(scene, to: path)
        // Python prints name, shape and the float64 sum of every tensor, then the metadata we rely on.
        let script = """
        import sys, json
        from safetensors.numpy import load_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        for k in sorted(t):
            assert t[k].dtype.name == "float32", k
            print(k, list(t[k].shape), repr(float(t[k].astype("float64").sum())), repr(float(t[k].flat[-1])))
        with safe_open(sys.argv[1], framework="numpy") as f:
            m = f.metadata()
        print(json.dumps({k: m[k] for k in ["fps", "window_seconds", "num_frequencies", "normalized", "format_version", "source"]}))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = out.split(separator: "\n").map(String.init)
        try #require(lines.count == 6, "python output: \(out)")
        let v = scene.volume
        let expected: [(String, [Int], [Float])] = [
            ("normalization.scales", [3], [1, 2, 3]),
            ("reference_alpha", [4, 6], scene.image.alpha!),
            ("reference_image", [3, 4, 6], scene.image.data),
            ("spectral_volume.imag", [3, 2, 4, 6], Array(v.imag)),
            ("spectral_volume.real", [3, 2, 4, 6], Array(v.real)),
        ]
        for (line, (name, shape, values)) in zip(lines, expected) {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            #expect(parts[0] == name)
            let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
            #expect(parts[1].hasPrefix(shapeText), "\(name): \(parts[1])")
            let nums = parts[1].dropFirst(shapeText.count).split(separator: " ").compactMap { Double($0) }
            try #require(nums.count == 2)
            #expect(abs(nums[0] - values.reduce(0.0) { $0 + Double($1) }) < 1e-3, "\(name) sum")
            #expect(nums[1] == Double(values.last!), "\(name) last element")
        }
        let meta = try JSONSerialization.jsonObject(with: Data(lines[5].utf8)) as! [String: String]
        #expect(meta == ["fps": "30.0", "window_seconds": "5.0", "num_frequencies": "3", "normalized": "adaptive",
                         "format_version": "1", "source": "test \"quoted\" source"])
    }

    /// Each malformed file fails with an input error naming the file and the problem.
    @Test(arguments: [
        ("short", [UInt8](repeating: 0, count: 5), "shorter than the 8-byte header length"),
        ("oversized header", rawFile(header: "{}", data: [], length: 1 << 40), "bad header length"),
        ("header past end", rawFile(header: "{}", data: [], length: 500), "bad header length 500"),
        ("not json", rawFile(header: "{\"a\": [1, 2", data: []), "invalid JSON header"),
        ("not an object", rawFile(header: "[1,2]", data: []), "JSON object expected"),
        ("missing tensor", validFile(drop: "reference_image"), "missing tensor 'reference_image'"),
        ("missing fps", tensorFile([]), "missing tensor 'spectral_volume.real'"),
        ("wrong dtype", tensorFile([("spectral_volume.real", [1, 2, 1, 1], [0, 0])], dtype: ["spectral_volume.real": "I32"]),
         "has dtype I32, want F32"),
        ("unknown dtype", tensorFile([("spectral_volume.real", [1], [0])], dtype: ["spectral_volume.real": "F33"]), "unknown dtype 'F33'"),
        ("wrong rank", validFile(replace: ["spectral_volume.real": ([2, 2, 6], [Float](repeating: 0, count: 24))]), "want [K, 2, H, W]"),
        ("three axes", validFile(replace: ["spectral_volume.real": ([2, 3, 2, 2], [Float](repeating: 0, count: 24))]), "want [K, 2, H, W]"),
        ("imag shape", validFile(replace: ["spectral_volume.imag": ([2, 2, 3, 2], [Float](repeating: 0, count: 24))]), "'spectral_volume.imag' has shape [2, 2, 3, 2]"),
        ("image shape", validFile(replace: ["reference_image": ([3, 3, 2], [Float](repeating: 0, count: 18))]), "want [3, 2, 3]"),
        ("K = 0", validFile(K: 0), "K=0 frequencies is outside 1..75"),
        ("K = 76", validFile(K: 76, W: 1, H: 1), "K=76 frequencies is outside 1..75"),
        ("NaN", validFile(replace: ["reference_image": ([3, 2, 3], [0, 0, 0, .nan] + [Float](repeating: 0, count: 14))]), "holds nan at element 3"),
        ("Inf", validFile(replace: ["spectral_volume.imag": ([2, 2, 2, 3], [Float](repeating: 0, count: 23) + [-.infinity])]), "holds -inf at element 23"),
        ("no fps", validFile(meta: ["fps": ""]), "metadata 'fps' = '' is not a positive number"),
        ("bad window", validFile(meta: ["window_seconds": "-5"]), "'window_seconds' = '-5'"),
        ("K mismatch", validFile(meta: ["num_frequencies": "3"]), "num_frequencies '3' disagrees"),
        ("version", validFile(meta: ["format_version": "9"]), "unsupported format_version '9'"),
        ("normalized word", validFile(meta: ["normalized": "maybe"]), "want none or adaptive"),
        ("edit gain", validFile(meta: ["edit_gain": "0"]), "metadata 'edit_gain' = '0' is not a number in"),
        ("adaptive without scales", validFile(meta: ["normalized": "adaptive"]), "'normalization.scales' is missing"),
        ("scales without adaptive", validFile(replace: ["normalization.scales": ([2], [1, 1])]), "present but metadata normalized = none"),
        ("truncated", Array(validFile().dropLast(10)), "truncated data"),
        ("offsets out of bounds", rawFile(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}}"#, data: [0, 0, 0, 0]), "truncated data: tensor 'x' ends at byte 104"),
        ("offsets span", rawFile(header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "needs 8 bytes, data_offsets span 4"),
        ("offsets reversed", rawFile(header: #"{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), "data_offsets is not [begin, end]"),
        ("negative shape", rawFile(header: #"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "shape is not a list of non-negative integers"),
        ("huge shape", rawFile(header: #"{"x":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "is too large"),
        ("overlap", rawFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "overlap"),
        ("metadata type", rawFile(header: #"{"__metadata__":{"fps":30}}"#, data: []), "metadata 'fps' is not a string"),
    ] as [(String, [UInt8], String)])
    func malformedFileIsRejected(label: String, bytes: [UInt8], message: String) {
        do {
            _ = try MotionFile.decode(bytes, name: "bad.gidm")
            Issue.record("\(label): loaded")
        } catch let e as GIDError {
            #expect(e.kind == .input, "\(label)")
            #expect(e.message.hasPrefix("bad.gidm: "), "\(label): \(e.message)")
            #expect(e.message.contains(message), "\(label): \(e.message)")
        } catch {
            Issue.record("\(label): non-GIDError \(error)")
        }
    }

    @Test func unreadablePathIsAnInputError() {
        #expect { try MotionFile.read(from: "/nonexistent/x.gidm") } throws: { e in
            (e as? GIDError)?.kind == .input && "\(e)".contains("/nonexistent/x.gidm")
        }
    }

    /// Random byte flips, insertions and truncations of a valid file: never crash, load or throw GIDError.
    @Test func fuzzMutatedFilesNeverCrash() throws {
        let valid = MotionFile.encode(try sampleScene(K: 2, width: 3, height: 2, normalized: true))
        var rng = SeededRandom(seed: 2024)
        var loaded = 0, rejected = 0, other: [String] = []
        for _ in 0..<4000 {
            var b = valid
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5:  // flip a byte, mostly inside the header where the structure is
                    let i = Int.random(in: 0..<(Bool.random(using: &rng) ? min(b.count, 300) : b.count), using: &rng)
                    if !b.isEmpty { b[i] = UInt8.random(in: 0...255, using: &rng) }
                case 5:  // replace a digit with another (shapes, offsets, metadata numbers)
                    let digits = b.indices.filter { (48...57).contains(b[$0]) && $0 < 300 }
                    if let i = digits.randomElement(using: &rng) { b[i] = UInt8.random(in: 48...57, using: &rng) }
                case 6:  // truncate
                    b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
                case 7:  // insert bytes
                    let i = Int.random(in: 0...b.count, using: &rng)
                    b.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: i)
                case 8:  // corrupt the header length
                    if b.count >= 8 { b[Int.random(in: 0..<8, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                default:  // delete a span
                    if b.count > 2 {
                        let i = Int.random(in: 0..<(b.count - 1), using: &rng)
                        b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...16, using: &rng)))
                    }
                }
            }
            do {
                _ = try MotionFile.decode(b, name: "fuzz.gidm")
                loaded += 1
            } catch let e as GIDError {
                if e.kind != .input || !e.message.hasPrefix("fuzz.gidm: ") { other.append(e.message) }
                rejected += 1
            } catch {
                other.append("\(error)")
            }
        }
        #expect(other.isEmpty, "unexpected errors: \(other.prefix(5))")
        #expect(loaded + rejected == 4000)
        #expect(rejected > 1000)
        #expect(loaded > 0, "no mutation kept the file loadable (mutations too coarse?)")
    }
}
