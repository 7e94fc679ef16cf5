import Foundation
import Graph
import Testing
@testable import Prior

/// Loading: bad model files give one `PriorError` naming the file (exit 3 through the CLI), and a
/// seed gives the same motion on every run.
@Suite("Prior model files and seeds")
struct ModelFileTests {
    func temp(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prior-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    @Test("a missing file is .missingFile and names the file")
    func missing() {
        #expect(throws: PriorError(.missingFile, file: "/nonexistent/model.safetensors", "no such model file")) {
            try MotionPrior(contentsOf: "/nonexistent/model.safetensors")
        }
        let e = PriorError(.missingFile, file: "m.safetensors", "no such model file")
        #expect(e.gidError.kind == .input && e.gidError.message.hasPrefix("m.safetensors: "))
    }

    @Test("truncated, garbage and non-prior files are .corrupt, with the file named")
    func corrupt() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.tinyModel)))
        let cases: [(String, [UInt8])] = [
            ("truncated.safetensors", Array(good.prefix(good.count / 2))),
            ("garbage.safetensors", Array("hello, this is not a model".utf8)),
            ("empty.safetensors", []),
        ]
        for (name, bytes) in cases {
            let p = try temp(name, bytes)
            do {
                _ = try MotionPrior(contentsOf: p)
                Issue.record("\(name) loaded")
            } catch {
                #expect(error.reason == .corrupt, "\(name): \(error)")
                #expect(error.description.hasPrefix(p + ": "), "\(error)")
                #expect(error.gidError.kind == .input)
            }
        }
        // A valid safetensors file that is not a prior (the golden vectors have no model weights).
        do {
            _ = try MotionPrior(contentsOf: Fixture.tinyGolden)
            Issue.record("golden file loaded as a model")
        } catch {
            #expect(error.reason == .corrupt && error.description.contains("not a gid-prior model"), "\(error)")
        }
    }

    /// The default model with `old` replaced by `new` in its safetensors header.
    func editedDefaultModel(_ old: String, _ new: String, name: String) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.defaultModel)))
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        #expect(header.contains(old), "\(old) not in the header")
        // Padded with spaces to the old length, so the tensors' offsets stay valid.
        var edited = Array(header.replacingOccurrences(of: old, with: new).utf8)
        edited += [UInt8](repeating: 0x20, count: max(0, n - edited.count))
        bytes.replaceSubrange(8..<(8 + n), with: edited)
        let d = edited.count
        for i in 0..<8 { bytes[i] = UInt8((d >> (8 * i)) & 0xff) }
        return try temp(name, bytes)
    }

    @Test("an unknown format version is .unsupported; an absurd amplitude config is .corrupt")
    func versionsAndRanges() throws {
        let newer = try editedDefaultModel("\"format_version\":\"2\"", "\"format_version\":\"3\"", name: "v3.safetensors")
        do {
            _ = try MotionPrior(contentsOf: newer)
            Issue.record("a format_version 3 file loaded")
        } catch {
            #expect(error.reason == .unsupported && error.detail.contains("format_version 3"), "\(error)")
            #expect(error.gidError.kind == .input)
        }
        func expectOutOfRange(_ path: String, _ what: String) {
            do {
                _ = try MotionPrior(contentsOf: path)
                Issue.record("a model asking for \(what) loaded")
            } catch {
                #expect(error.reason == .corrupt && error.detail.contains("out-of-range"), "\(error)")
            }
        }
        // `layers` (2 per head) does not change with the number of heads folded into the file.
        expectOutOfRange(try editedDefaultModel("\\\"layers\\\": 2", "\\\"layers\\\": 3200000", name: "huge.safetensors"),
                         "3.2M layers")
        // A test view 30x the input would ask AlexNet for 900x the work.
        expectOutOfRange(try editedDefaultModel("\\\"test_scales\\\": [1.0, 1.5]", "\\\"test_scales\\\": [1.0, 30.0]",
                                                name: "views.safetensors"), "a 30x test view")
    }

    @Test("a tensor of the wrong shape is reported by name")
    func wrongShape() throws {
        // Rewrite the tiny model's header so inp.bias claims another shape of the same size.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixture.tinyModel)))
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        var header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        let key = "\"model.inp.bias\":{\"dtype\":\"F32\",\"shape\":[8]"
        #expect(header.contains(key))
        header = header.replacingOccurrences(of: key, with: "\"model.inp.bias\":{\"dtype\":\"F32\",\"shape\":[2,4]")
        bytes.replaceSubrange(8..<(8 + n), with: Array(header.utf8))
        let d = Array(header.utf8).count
        for i in 0..<8 { bytes[i] = UInt8((d >> (8 * i)) & 0xff) }
        let p = try temp("shape.safetensors", bytes)
        do {
            _ = try MotionPrior(contentsOf: p)
            Issue.record("mis-shaped model loaded")
        } catch {
            #expect(error.reason == .corrupt && error.detail.contains("model.inp.bias"), "\(error)")
        }
    }

    @Test("the default model is found without a path; GID_PRIOR_MODEL overrides it")
    func defaultModel() throws {
        let found = try #require(MotionPrior.defaultModelPath(environment: [:]))
        #expect(found.hasSuffix("Models/gid-prior-default.safetensors"))
        #expect(MotionPrior.defaultModelPath(environment: ["GID_PRIOR_MODEL": "/x/y.safetensors"]) == "/x/y.safetensors")
    }

    @Test("a seed gives the same motion every time; another seed other motion")
    func seeds() throws {
        let prior = try MotionPrior(contentsOf: Fixture.tinyModel)
        var pixels = [Float](repeating: 0, count: 3 * 40 * 25)
        for i in pixels.indices { pixels[i] = Float((i * 37) % 101) / 100 }
        let image = RGBImage(width: 40, height: 25, data: pixels)
        let a = try prior.predict(image: image, steps: 3, seed: 5, threads: 2)
        let b = try prior.predict(image: image, steps: 3, seed: 5, threads: 1)
        let c = try prior.predict(image: image, steps: 3, seed: 6, threads: 2)
        #expect(a.width == 40 && a.height == 25 && a.frequencies == 4)
        #expect(a.data == b.data, "same seed, 1 vs 2 threads")
        #expect(a.data != c.data, "different seeds")
        #expect(a.data.allSatisfy(\.isFinite) && a.data.contains { $0 != 0 })
        var r1 = SeededRandom(seed: 1), r2 = SeededRandom(seed: 1)
        #expect(r1.normals(4) == r2.normals(4))
        var r = SeededRandom(seed: 9)
        let z = r.normals(20000)
        let mean = z.reduce(0, +) / Float(z.count), varc = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(z.count)
        #expect(abs(mean) < 0.03 && abs(varc - 1) < 0.05, "normals: mean \(mean), variance \(varc)")
        #expect(throws: PriorError.self) { try prior.predict(image: image, steps: 0) }
    }
}
