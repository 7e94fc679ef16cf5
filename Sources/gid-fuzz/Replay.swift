#if !FUZZING
import Foundation

/// Without -DFUZZING: replays files through a fuzz target, for reproducing a crash the fuzzer
/// wrote and for running the seed corpus under AddressSanitizer (scripts/fuzz.sh --asan-corpus).
///
///     gid-fuzz TARGET FILE_OR_DIR...     each file (directories: their files) through TARGET
///     gid-fuzz corpus DIR                DIR/<target>/* through <target> (Fuzz/corpus)
///     gid-fuzz mutate DIR N [SEED]       N seeded mutations of every DIR/<target>/* through
///                                        <target>, in process (the test command's fast subset)
///     gid-fuzz --list                    the targets
///
/// One line per file on stdout ("accepted" or "rejected: why"); the file's name goes to stderr
/// before it runs, so a crash report follows the name of the input that caused it. Exit 0 unless
/// something crashes (a crash kills the process: signal / non-zero status); 2 for bad usage.
@main
struct Replay {
    static func main() {
        FuzzTargets.configure()
        let args = Array(CommandLine.arguments.dropFirst())
        let names = FuzzTargets.all.map(\.name)
        if args.first == "--list" || args.first == "-l" {
            for t in FuzzTargets.all { print("\(t.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(t.summary)") }
            exit(0)
        }
        guard args.count >= 2 else {
            printError("usage: gid-fuzz TARGET FILE_OR_DIR...  |  gid-fuzz corpus DIR  |  gid-fuzz --list\n  targets: \(names.joined(separator: ", "))")
            exit(2)
        }
        if args[0] == "mutate" { mutate(args) }
        var jobs: [(FuzzTargets.Target, String)] = []
        if args[0] == "corpus" {
            for dir in args.dropFirst() {
                for sub in entries(dir) {
                    let name = (sub as NSString).lastPathComponent
                    guard isDirectory(sub) else { continue }
                    guard let t = FuzzTargets.named(name) else {
                        printError("gid-fuzz: \(sub): no target named '\(name)' (skipped)")
                        continue
                    }
                    jobs += files(sub).map { (t, $0) }
                }
            }
        } else {
            guard let t = FuzzTargets.named(args[0]) else {
                printError("gid-fuzz: no target '\(args[0])'; targets: \(names.joined(separator: ", "))")
                exit(2)
            }
            for path in args.dropFirst() {
                guard FileManager.default.fileExists(atPath: path) else {
                    printError("gid-fuzz: \(path): no such file or directory")
                    exit(2)
                }
                jobs += files(path).map { (t, $0) }
            }
        }
        var accepted = 0, rejected = 0
        for (t, path) in jobs {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("gid-fuzz: \(path): cannot read")
                exit(2)
            }
            printError("gid-fuzz: \(t.name) \(path)")
            switch t.run([UInt8](data)) {
            case .accepted(let what):
                accepted += 1
                print("\(t.name) \(path): accepted: \(oneLine(what))")
            case .rejected(let why):
                rejected += 1
                print("\(t.name) \(path): rejected: \(oneLine(why))")
            }
        }
        print("gid-fuzz: \(jobs.count) inputs, \(accepted) accepted, \(rejected) rejected, no crash")
        exit(0)
    }

    /// A few thousand executions without libFuzzer: byte flips, insertions, deletions,
    /// truncations and duplicated spans of each seed, from a fixed seed (so a failure repeats).
    static func mutate(_ args: [String]) -> Never {
        guard args.count >= 3, let n = Int(args[2]), n > 0 else {
            printError("usage: gid-fuzz mutate DIR N [SEED]")
            exit(2)
        }
        var state = UInt64(args.count > 3 ? Int(args[3]) ?? 1 : 1) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(max(bound, 1)))
        }
        var runs = 0, accepted = 0
        for sub in entries(args[1]) where isDirectory(sub) {
            guard let t = FuzzTargets.named((sub as NSString).lastPathComponent) else { continue }
            for path in files(sub) {
                guard let seed = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else { continue }
                for i in 0..<n {
                    var b = seed
                    for _ in 0...next(3) {
                        switch next(5) {
                        case 0 where !b.isEmpty: b[next(b.count)] = UInt8(next(256))
                        case 1: b.insert(UInt8(next(256)), at: next(b.count + 1))
                        case 2 where b.count > 1:
                            let at = next(b.count)
                            b.removeSubrange(at..<min(b.count, at + 1 + next(16)))
                        case 3: b = Array(b.prefix(next(b.count + 1)))
                        case 4 where !b.isEmpty:
                            let at = next(b.count)
                            b.insert(contentsOf: b[at..<min(b.count, at + 1 + next(32))], at: next(b.count))
                        default: break
                        }
                    }
                    // The name goes out first, so a crash report follows the input that caused it.
                    if i == 0 { printError("gid-fuzz: mutating \(t.name) \(path)") }
                    runs += 1
                    if case .accepted = t.run(b) { accepted += 1 }
                }
            }
        }
        print("gid-fuzz: \(runs) mutated inputs, \(accepted) accepted, \(runs - accepted) rejected, no crash")
        exit(0)
    }

    static func oneLine(_ s: String) -> String {
        let line = s.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        return line.count > 200 ? String(line.prefix(200)) + "..." : line
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    static func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    /// A file, or the regular files of a directory (not recursive; hidden files skipped).
    static func files(_ path: String) -> [String] {
        guard isDirectory(path) else { return [path] }
        return entries(path).filter { !($0 as NSString).lastPathComponent.hasPrefix(".") && !isDirectory($0) }
    }
}
#endif
