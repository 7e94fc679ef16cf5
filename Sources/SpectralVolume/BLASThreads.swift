import COpenBLAS

/// OpenBLAS's thread pool, started when the library loads.
public enum BLASThreads {
    /// Ends the pool's idle workers; a later multi-threaded BLAS call starts them again.
    ///
    /// Why: an idle OpenBLAS worker spins (sched_yield) for about 0.1 s before it sleeps, and the
    /// pool starts at load time, so every run began with a thread competing for one of the two
    /// cores even when it never multiplies a matrix (slow motion, transcoding): 0.1 s of CPU per
    /// run, hollyhock slow motion x2 -4% wall (mean of the 5 fastest of 16 interleaved runs) with
    /// the pool ended at start.
    public static func stopIdle() {
        _ = blas_thread_shutdown_()
    }
}
