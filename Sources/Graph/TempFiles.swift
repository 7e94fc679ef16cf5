import Foundation

/// Temporary outputs that must not outlive the process, kept where a signal handler can reach
/// them: normal exits remove them on unwind, and a crash (a trap, a segfault, an abort) removes
/// them in `installCrashCleanup`'s handler before the runtime reports the crash. The paths live
/// in preallocated C memory because a handler may not allocate, lock or touch Swift objects.
public enum TempFiles {
    private static let slots = 32
    private static let slotBytes = 4096
    // Byte 0 of a slot: 0 free, "F" a file, "D" a folder of files; the path follows, NUL-ended.
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slots * slotBytes)
        p.initialize(repeating: 0, count: slots * slotBytes)
        return p
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false
    private static let fatalSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT]
    nonisolated(unsafe) private static let previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        p.initialize(repeating: sigaction(), count: 65)
        return p
    }()

    /// Records `path` (a file, or a folder whose files are removed too); returns a token for
    /// `unregister`, or nil when the table is full or the path too long (then only the normal
    /// exit paths clean it up).
    @discardableResult
    public static func register(_ path: String, folder: Bool = false) -> Int? {
        let bytes = Array(path.utf8)
        guard bytes.count + 2 < slotBytes else { return nil }
        lock.lock()
        defer { lock.unlock() }
        for slot in 0..<slots where table[slot * slotBytes] == 0 {
            let base = table + slot * slotBytes
            for (i, b) in bytes.enumerated() { base[1 + i] = CChar(bitPattern: b) }
            base[1 + bytes.count] = 0
            base[0] = folder ? 0x44 : 0x46  // written last: a handler never sees half a path
            return slot
        }
        return nil
    }

    /// Forgets a registered path (it was renamed into place or removed).
    public static func unregister(_ token: Int?) {
        guard let token, (0..<slots).contains(token) else { return }
        lock.lock()
        table[token * slotBytes] = 0
        lock.unlock()
    }

    /// Installs handlers for the crash signals that remove every registered path and then hand
    /// the signal to whatever handled it before (the Swift runtime's backtracer, or the default).
    /// Runs on an alternate stack, so a stack overflow is covered too.
    public static func installCrashCleanup() {
        // Once only: a second install would record its own handler as "previous" and loop.
        guard !installed else { return }
        installed = true
        _ = table
        var stack = stack_t()
        stack.ss_size = 256 * 1024
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stack.ss_size, alignment: 16)
        stack.ss_flags = 0
        sigaltstack(&stack, nil)
        for sig in fatalSignals {
            // A signal the parent set to be ignored stays ignored (the run goes on, so must its files).
            sigaction(sig, nil, previous + Int(sig))
            if unsafeBitCast(previous[Int(sig)].__sigaction_handler.sa_handler, to: Int.self) == 1 { continue }  // SIG_IGN
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                TempFiles.removeAllFromHandler()
                // Restore the previous handler and raise again: the signal stays pending until
                // this handler returns, then the runtime reports the crash as it would have.
                sigaction(sig, TempFiles.previous + Int(sig), nil)
                raise(sig)
            }
            action.sa_flags = SA_ONSTACK
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, previous + Int(sig))
        }
    }

    /// Removes every registered path. Only async-signal-safe calls for files; a folder's listing
    /// uses opendir, acceptable on the way down.
    public static func removeAllFromHandler() {
        for slot in 0..<slots {
            let base = table + slot * slotBytes
            let kind = base[0]
            guard kind != 0 else { continue }
            let path = base + 1
            if kind == 0x44 {
                removeFolder(path)
            } else {
                unlink(path)
            }
            base[0] = 0
        }
    }

    private static func removeFolder(_ path: UnsafeMutablePointer<CChar>) {
        if let dir = opendir(path) {
            let length = strlen(path)
            while let entry = readdir(dir) {
                // Build "folder/name" in place after the folder's path (the slot has room).
                withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    let name = raw.bindMemory(to: CChar.self)
                    let n = strnlen(name.baseAddress!, name.count)
                    guard n > 0, !(n <= 2 && name[0] == 0x2E && (n == 1 || name[1] == 0x2E)),
                          length + 1 + n + 2 < slotBytes else { return }
                    path[length] = 0x2F
                    for i in 0..<n { path[length + 1 + i] = name[i] }
                    path[length + 1 + n] = 0
                    unlink(path)
                    path[length] = 0
                }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    /// Moves a finished temp file to `path`: rename(2) when replacing is allowed, else link(2),
    /// which fails if `path` appeared meanwhile (then the temp file stays for the caller to remove).
    public static func move(_ temp: String, to path: String, replacing: Bool) -> Bool {
        if replacing { return rename(temp, path) == 0 }
        if link(temp, path) == 0 {
            unlink(temp)
            return true
        }
        // File systems without hard links (vfat, some network mounts): check, then rename.
        guard errno == EPERM || errno == ENOTSUP || errno == EXDEV || errno == EMLINK else { return false }
        guard access(path, F_OK) != 0 else {
            errno = EEXIST
            return false
        }
        return rename(temp, path) == 0
    }

    /// The error for a failed `move`: "already exists" for a lost race, else the system's reason.
    public static func moveError(_ path: String) -> GIDError {
        errno == EEXIST
            ? GIDError.output("\(path): already exists (another run wrote it meanwhile); not overwriting")
            : GIDError.output("\(path): cannot move into place: \(String(cString: strerror(errno)))")
    }

    /// Writes `bytes` to `path` through a hidden temporary file beside it, moved into place when
    /// complete: the file is whole or absent. `replacing` false: fail if `path` exists by then.
    public static func write(_ bytes: [UInt8], to path: String, replacing: Bool) throws {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temp = "\(dir).\(name).gid-tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func fail() -> GIDError { GIDError.output("\(path): cannot write (\(String(cString: strerror(errno))))") }
        let token = register(temp)
        defer { unregister(token) }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw fail() }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, what: "\(path): cannot write") }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        guard close(fd) == 0 else {
            let e = fail()
            unlink(temp)
            throw e
        }
        guard move(temp, to: path, replacing: replacing) else {
            let e = moveError(path)
            unlink(temp)
            throw e
        }
    }
}

/// write(2) until every byte is out. EPIPE throws `DownstreamClosed` (the reader went away: a quiet
/// end for pipes); another failure throws an output error, "WHAT (reason)".
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, what: String) throws {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 24))
        if n < 0 {
            if errno == EINTR { continue }
            if errno == EPIPE { throw DownstreamClosed() }
            throw GIDError.output("\(what) (\(String(cString: strerror(errno))))")
        }
        done += n
    }
}
