#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's thread pool, started when the library loads.
public enum BLASThreads {
    /// Ends the pool's idle workers; a later multi-threaded BLAS call starts them again.
    ///
    /// Why: an idle OpenBLAS worker spins (sched_yield) for about 0.1 s before it sleeps, and the
    /// pool starts at load time, so every run began with a thread competing for one of the two
    /// cores even when it never multiplies a matrix (slow motion, transcoding): 0.1 s of CPU per
    /// run, hollyhock slow motion x2 -9% wall (mean of the 5 fastest of 16 interleaved runs) with
    /// the pool ended at start.
    ///
    /// `blas_thread_shutdown_` is looked up rather than linked: OpenBLAS's single-threaded build
    /// (Debian's libopenblas0-serial) has no pool and no such function.
    public static func stopIdle() {
        typealias Shutdown = @convention(c) () -> Int32
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
}
