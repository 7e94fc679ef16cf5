import Foundation
import Graph
import Testing

/// Damaged media, made on the spot from the shipped samples with a fixed seed: gid-filter must
/// refuse it the documented way or get through it, never crash, hang, leave temporaries or
/// partial outputs behind, or say more than one line when it fails. A fast subset of
/// scripts/mutate_media.py (docs/fuzzing.md): 48 runs, ~20 s of CPU in a debug build.
@Suite("Mutated media")
struct MutationTests {
    /// A run that takes longer than this is a hang.
    static let timeout: TimeInterval = 30
    static let goodExits: Set<Int32> = [0, 2, 3, 4, 5]

    struct Case: CustomTestStringConvertible, Sendable {
        var index: Int
        var seed: String        // path of the unmutated file
        var op: String
        var args: [String]      // "F" stands for the mutated input
        var expected: String    // the one output file a successful run leaves
        var testDescription: String {
            "\(index): \(op) of \((seed as NSString).lastPathComponent), \(args.joined(separator: " "))"
        }
    }

    static let seeds: [String] = [
        Tool.sample("stills/coldripple.jpg"),
        Tool.sample("stills/bythewater.jpg"),
        Tool.sample("clips/dollhouse-fire.mkv"),
        Tool.sample("clips/bbb-with-audio.mp4"),
        Tool.root.appendingPathComponent("Fuzz/corpus/gidm/clip-16x12-k4.gidm").path,
    ]

    static let ops = ["flip", "digits", "truncate", "insert", "delete", "duplicate", "ints", "multi"]

    static let cases: [Case] = (0..<40).map { i in
        let seed = seeds[i % seeds.count]
        let op = ops[(i / seeds.count) % ops.count]
        let gidm = seed.hasSuffix(".gidm")
        let variant = (i / seeds.count) % 2
        let (args, out): ([String], String) = switch (gidm, variant) {
        case (false, 0): (["-y", "-i", "F", "-vf", "null", "-t", "0.5", "-s", "64x48", "out.mp4"], "out.mp4")
        case (false, _): (["-y", "-i", "F", "-frames:v", "2", "out.png"], "out.png")
        case (true, 0): (["-y", "-i", "F", "-vf", "magnify=2,loop=seconds=0.5", "-s", "32x24", "out.mp4"], "out.mp4")
        case (true, _): (["-y", "-i", "F", "-vf", "loop=seconds=1", "out.gidm"], "out.gidm")
        }
        return Case(index: i, seed: seed, op: op, args: args, expected: out)
    } + (40..<48).map { i in
        // Measured motion of a damaged clip (1 s of it, 64 px wide: ~2 s each in a debug build).
        Case(index: i, seed: Tool.sample(i % 2 == 0 ? "clips/dollhouse-fire.mkv" : "clips/crane-sway.mkv"), op: ops[i % ops.count],
             args: ["-y", "-t", "1", "-i", "F", "-vf", "lavfi='scale=64:-2',motion=k=4,loop=seconds=1", "-s", "32x24", "out.mp4"],
             expected: "out.mp4")
    }

    @Test("a mutated file is refused cleanly or processed", arguments: cases)
    func mutated(_ c: Case) throws {
        let dir = try Tool.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seedData = try [UInt8](Data(contentsOf: URL(fileURLWithPath: c.seed)))
        var rng = SeededRandom(seed: 0x9E37_79B9 &+ UInt64(c.index))
        let ext = (c.seed as NSString).pathExtension
        let mutated = Mutator.apply(c.op, to: seedData, ext: ext, rng: &rng)
        // The input lives beside the output folder, so that folder holds only what gid-filter writes.
        let input = dir + "-input." + ext
        try Data(mutated).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }

        let r = try MutationRun.run(Tool.binary, c.args.map { $0 == "F" ? input : $0 }, in: dir, timeout: Self.timeout)
        let what = "case \(c.testDescription): status \(r.status) \(r.signaled ? "(signal)" : ""); stderr: \(r.stderr.prefix(600))"
        #expect(!r.timedOut, "hang (\(Self.timeout) s): \(what)")
        #expect(!r.signaled, "killed by a signal: \(what)")
        if !r.signaled && !r.timedOut {
            #expect(Self.goodExits.contains(r.status), "exit status not in 0, 2-5: \(what)")
        }
        let files = Tool.files(dir)
        #expect(!files.contains { $0.contains(".gid-tmp") }, "temporary file left: \(files); \(what)")
        if r.status == 0 && !r.signaled && !r.timedOut {
            #expect(files.allSatisfy { $0 == c.expected }, "unexpected files \(files): \(what)")
        } else {
            #expect(files.isEmpty, "a failed run left \(files): \(what)")
            let lines = r.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(r.timedOut || r.signaled || lines.count == 1, "a failure must be one line on stderr: \(what)")
        }
    }

    /// The fuzz corpus (Fuzz/corpus/<target>/) through the gid-fuzz replayer built beside
    /// gid-filter: every seed input of every fuzz target parses or is refused, none crashes.
    @Test("gid-fuzz replays Fuzz/corpus without a crash")
    func fuzzCorpus() throws {
        let binary = URL(fileURLWithPath: Tool.binary).deletingLastPathComponent().appendingPathComponent("gid-fuzz").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) is not built (swift build --product gid-fuzz)")
        let corpus = Tool.root.appendingPathComponent("Fuzz/corpus").path
        try #require(FileManager.default.fileExists(atPath: corpus), "no \(corpus)")
        let r = try MutationRun.run(binary, ["corpus", corpus], in: Tool.root.path, timeout: 120)
        let tail = r.stderr.split(separator: "\n").suffix(25).joined(separator: "\n")
        #expect(!r.timedOut, "gid-fuzz corpus hung; last lines:\n\(tail)")
        #expect(!r.signaled && r.status == 0, "gid-fuzz corpus died (status \(r.status)); the input is on the last 'gid-fuzz: TARGET FILE' line:\n\(tail)")
        #expect(r.stdout.contains("no crash"), "\(r.stdout.suffix(300))")
    }

    /// The fast subset of fuzzing: thousands of seeded mutations of the corpus through every
    /// fuzz target in process (`gid-fuzz mutate`), no libFuzzer needed.
    @Test("gid-fuzz mutates Fuzz/corpus thousands of times without a crash")
    func fuzzMutations() throws {
        let binary = URL(fileURLWithPath: Tool.binary).deletingLastPathComponent().appendingPathComponent("gid-fuzz").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) is not built (swift build --product gid-fuzz)")
        let corpus = Tool.root.appendingPathComponent("Fuzz/corpus").path
        let r = try MutationRun.run(binary, ["mutate", corpus, "100", "2026"], in: Tool.root.path, timeout: 600)
        let tail = r.stderr.split(separator: "\n").suffix(5).joined(separator: "\n")
        #expect(!r.timedOut, "gid-fuzz mutate hung; last lines:\n\(tail)")
        #expect(!r.signaled && r.status == 0, "gid-fuzz mutate died (status \(r.status)); the seed is on the last 'mutating' line:\n\(tail)")
        let runs = r.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        #expect(runs >= 5000 && r.stdout.contains("no crash"), "\(r.stdout.suffix(300))")
    }
}

/// The cases are drawn from `SeededRandom` (SplitMix64): the same on every machine and run.
extension SeededRandom {
    /// 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// The mutations of scripts/mutate_media.py, in small: most of them aimed at the container's
/// header (where sizes, counts and offsets live).
enum Mutator {
    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE]
    static let interestingInts: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, .max]
    static let numbers = ["0", "-1", "76", "100001", "86401", "4294967296", "9223372036854775808", "1e309", "nan", "0.0001"]

    /// Where the header is: a .gidm's JSON, a JPEG's markers before the scan, the first 4 KiB otherwise.
    static func headerEnd(_ d: [UInt8], ext: String) -> Int {
        if ext == "gidm", d.count >= 8 {
            let n = d[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            return Int(min(UInt64(d.count), 8 &+ min(n, UInt64(d.count))))
        }
        if ext == "jpg", let sos = (0..<max(0, d.count - 1)).first(where: { d[$0] == 0xFF && d[$0 + 1] == 0xDA }) {
            return min(d.count, sos + 16)
        }
        return min(d.count, 4096)
    }

    static func position(_ d: [UInt8], ext: String, rng: inout SeededRandom, headerShare: Double = 0.75) -> Int {
        guard !d.isEmpty else { return 0 }
        let h = headerEnd(d, ext: ext)
        return h > 0 && rng.chance(headerShare) ? rng.below(h) : rng.below(d.count)
    }

    static func apply(_ op: String, to input: [UInt8], ext: String, rng: inout SeededRandom) -> [UInt8] {
        var d = input
        switch op {
        case "flip":
            for _ in 0..<(1 + rng.below(8)) where !d.isEmpty {
                let p = position(d, ext: ext, rng: &rng)
                d[p] = rng.chance(0.5) ? d[p] ^ UInt8(1 << rng.below(8)) : interestingBytes[rng.below(interestingBytes.count)]
            }
        case "digits":
            // A .gidm's header numbers (shapes, offsets, fps...) replaced, its length fixed up.
            guard ext == "gidm", d.count >= 8 else { return apply("ints", to: d, ext: ext, rng: &rng) }
            let end = headerEnd(d, ext: ext)
            var header = Array(d[8..<end])
            guard !digitRuns(header).isEmpty else { return d }
            for _ in 0..<(1 + rng.below(2)) {
                let current = digitRuns(header)
                let r = current[rng.below(current.count)]
                header.replaceSubrange(r, with: Array(numbers[rng.below(numbers.count)].utf8))
            }
            var out: [UInt8] = []
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
            d = out + header + d[end...]
        case "ints":
            for _ in 0..<(1 + rng.below(3)) {
                let width = [1, 2, 4, 8][rng.below(4)]
                guard d.count >= width else { break }
                let p = min(position(d, ext: ext, rng: &rng, headerShare: 0.9), d.count - width)
                let v = interestingInts[rng.below(interestingInts.count)]
                for b in 0..<width { d[p + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(ext == "gidm" ? b : width - 1 - b))) }
            }
        case "truncate":
            let h = headerEnd(d, ext: ext)
            d = Array(d.prefix(rng.chance(0.4) && h > 1 ? 1 + rng.below(h - 1) : rng.below(max(1, d.count))))
        case "insert":
            let p = position(d, ext: ext, rng: &rng, headerShare: 0.5)
            d.insert(contentsOf: (0..<(1 + rng.below(64))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: p)
        case "delete":
            guard d.count > 2 else { break }
            let p = position(d, ext: ext, rng: &rng, headerShare: 0.5)
            d.removeSubrange(p..<min(d.count, p + 1 + rng.below(min(4096, d.count / 4))))
        case "duplicate":
            guard d.count > 2 else { break }
            let k = 1 + rng.below(min(4096, d.count / 4))
            let src = rng.below(d.count - k)
            let chunk = Array(d[src..<(src + k)])
            d.insert(contentsOf: chunk, at: position(d, ext: ext, rng: &rng, headerShare: 0.5))
        case "multi":
            for _ in 0..<2 { d = apply(["flip", "digits", "truncate", "insert", "delete", "duplicate", "ints"][rng.below(7)], to: d, ext: ext, rng: &rng) }
        default:
            break
        }
        return d
    }

    /// Ranges of ASCII digits (with a leading minus) in `bytes`.
    static func digitRuns(_ bytes: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            guard (0x30...0x39).contains(bytes[i]) else { i += 1; continue }
            var start = i
            if start > 0, bytes[start - 1] == UInt8(ascii: "-") { start -= 1 }
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) || bytes[i] == UInt8(ascii: ".") { i += 1 }
            runs.append(start..<i)
        }
        return runs
    }
}

/// `Tool.run` with text outputs, for the mutation runs.
enum MutationRun {
    struct Result {
        var status: Int32
        var signaled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ args: [String], in dir: String, timeout: TimeInterval) throws -> Result {
        let r = try Tool.run(executable, args, in: dir, timeout: timeout)
        return Result(status: r.status, signaled: r.signaled, timedOut: r.timedOut,
                      stdout: String(decoding: r.stdout, as: UTF8.self), stderr: String(decoding: r.stderr, as: UTF8.self))
    }
}
