import CFFmpeg
import Foundation
import Synchronization

/// Ctrl-C handling: a flag that libav's I/O polls (so a blocked read of stdin returns) and that
/// the main loop checks between frames. Cleanup (removing the temp output) happens on unwind.
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// The signals that stop a run cleanly (exit 130, temp output removed): Ctrl-C, kill, a
    /// closed terminal, Ctrl-\\.
    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// True once one of `stopSignals` arrived.
    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Installs the handlers; call once at start-up.
    public static func install() {
        signal(SIGPIPE, SIG_IGN)  // EPIPE is handled as a quiet end instead
        let handler: @convention(c) (Int32) -> Void = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        for sig in stopSignals { signal(sig, handler) }
        // A parent may spawn us with these blocked (posix_spawn inherits the mask): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in stopSignals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        TempFiles.installCrashCleanup()
    }

    /// Throws `.interrupted` if a signal arrived.
    public static func check() throws {
        if requested { throw GIDError(.interrupted, "interrupted by signal; no output written") }
    }

    /// For AVFormatContext.interrupt_callback: non-zero aborts blocking I/O.
    static let callback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { _ in
        Interrupt.requested ? 1 : 0
    }
}

import Graph
