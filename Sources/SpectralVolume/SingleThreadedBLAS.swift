import COpenBLAS
import Foundation

/// OpenBLAS on one thread while the prior runs or fields are evaluated, with the callers splitting
/// the work themselves:
/// - the prior: OpenBLAS's sums' order depends on its thread count, and a seed must give the same
///   motion on every machine;
/// - fields (`SpectralVolume.evaluate`): after a multi-threaded call, OpenBLAS's idle threads spin
///   on sched_yield for a while, and on 2 cores they took the renderer's threads' time (render
///   `fast`, 512x288 measured scene: 132 -> 180 frames/s, process CPU 14.4 -> 10.1 ms/frame).
///
/// The thread count is global to the process, so overlapping users (two predictions at once, or
/// tests running side by side) share one setting: the first sets 1, the last restores the saved
/// count. Setting and restoring per call would let one caller's restore turn a running
/// neighbour's sgemm multi-threaded halfway through.
public enum SingleThreadedBLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var users = 0
    nonisolated(unsafe) private static var saved: Int32 = 1

    public static func run<R>(_ body: () -> R) -> R {
        lock.lock()
        if users == 0 {
            saved = openblas_get_num_threads()
            openblas_set_num_threads(1)
        }
        users += 1
        lock.unlock()
        defer {
            lock.lock()
            users -= 1
            if users == 0 { openblas_set_num_threads(saved) }
            lock.unlock()
        }
        return body()
    }
}
