#if !FUZZING
import Foundation

/// Without -DFUZZING: replays files through a fuzz target, for reproducing a crash the fuzzer
/// wrote and for running the seed corpus under AddressSanitizer (scripts/fuzz.sh --asan-corpus).
///
///     gid-fuzz TARGET FILE_OR_DIR...     each file (directories: their files) through TARGET
///     gid-fuzz corpus DIR                DIR/<target>/* through <target> (Fuzz/corpus)
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
