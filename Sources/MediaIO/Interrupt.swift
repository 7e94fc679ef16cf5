import CFFmpeg
import Foundation
import Synchronization

/// Ctrl-C handling: a flag that libav's I/O polls (so a blocked read of stdin returns) and that
/// the main loop checks between frames. Cleanup (removing the temp output) happens on unwind.
public enum Interrupt {
    private static let flag = Atomic<Bool>(false)

    /// True once SIGINT or SIGTERM arrived.
    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Installs the handlers; call once at start-up.
    public static func install() {
        signal(SIGPIPE, SIG_IGN)  // EPIPE is handled as a quiet end instead
        let handler: @convention(c) (Int32) -> Void = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A parent may spawn us with these blocked (posix_spawn inherits the mask): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
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
