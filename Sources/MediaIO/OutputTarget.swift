import Foundation
import Graph

/// Where bytes really go: a temp name beside the output, renamed into place only at the end, so
/// an error or Ctrl-C never leaves a half-written file under the user's name.
final class OutputTarget {
    let path: String
    /// What libavformat writes to: "pipe:1", a temp file, or a pattern inside a temp folder.
    let writePath: String
    private let tempDir: String?
    private var committed = false
    /// Never replace a file that exists at commit time (-n, or no -y): two runs racing for one
    /// name cannot both succeed.
    private let noClobber: Bool
    private var token: Int?

    init(path: String, isSequence: Bool, noClobber: Bool = false) throws {
        self.path = path
        self.noClobber = noClobber
        if path == "-" {
            writePath = "pipe:1"
            tempDir = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if isSequence {
            let tmp = "\(dir)/.gid-tmp-\(tag)"
            token = TempFiles.register(tmp, folder: true)
            guard mkdir(tmp, 0o755) == 0 else {
                TempFiles.unregister(token)
                throw GIDError.output("\(path): cannot create output: \(String(cString: strerror(errno)))")
            }
            tempDir = tmp
            writePath = "\(tmp)/\(name)"
        } else {
            tempDir = nil
            writePath = "\(dir)/.\(name).gid-tmp-\(tag)"
            // Create it now so permission problems surface before any decoding work.
            token = TempFiles.register(writePath)
            let fd = open(writePath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else {
                TempFiles.unregister(token)
                throw GIDError.output("\(path): cannot create output: \(String(cString: strerror(errno)))")
            }
            close(fd)
        }
        OutputTarget.register(self)
    }

    deinit { abort() }

    /// Moves the finished output into place.
    func commit() throws {
        guard path != "-", !committed else { return }
        if let tempDir {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: tempDir)) ?? []
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            for f in files.sorted() where !TempFiles.move("\(tempDir)/\(f)", to: "\(dir)/\(f)", replacing: !noClobber) {
                throw TempFiles.moveError("\(dir)/\(f)")
            }
            rmdir(tempDir)
        } else if !TempFiles.move(writePath, to: path, replacing: !noClobber) {
            throw TempFiles.moveError(path)
        }
        committed = true
        TempFiles.unregister(token)
        OutputTarget.unregister(self)
    }

    /// Removes whatever was written; safe to call twice.
    func abort() {
        guard path != "-", !committed else { return }
        committed = true
        if let tempDir {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: tempDir)) ?? [] { unlink("\(tempDir)/\(f)") }
            rmdir(tempDir)
        } else {
            unlink(writePath)
        }
        TempFiles.unregister(token)
        OutputTarget.unregister(self)
    }

    // Live targets, so a last-resort exit path can remove temp files too.
    nonisolated(unsafe) private static var live: [ObjectIdentifier: OutputTarget] = [:]
    private static func register(_ t: OutputTarget) { live[ObjectIdentifier(t)] = t }
    private static func unregister(_ t: OutputTarget) { live[ObjectIdentifier(t)] = nil }

    /// Removes every temp output still open (used before exiting on an error).
    static func abortAll() {
        for t in live.values { t.abort() }
    }
}

/// Last-resort cleanup before exiting on an error: removes every temp output still open.
public enum OutputCleanup {
    public static func abortAll() { OutputTarget.abortAll() }
}
