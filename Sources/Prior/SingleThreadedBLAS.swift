import COpenBLAS
import Foundation

/// OpenBLAS on one thread while the prior runs: its sums' order depends on its thread count, and
/// a seed must give the same motion on every machine (the engine splits the work itself).
///
/// The thread count is global to the process, so overlapping users (two predictions at once, or
/// tests running side by side) share one setting: the first sets 1, the last restores the saved
/// count. Setting and restoring per call would let one caller's restore turn a running
/// neighbour's sgemm multi-threaded halfway through.
enum SingleThreadedBLAS {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var users = 0
    nonisolated(unsafe) private static var saved: Int32 = 1

    static func run<R>(_ body: () -> R) -> R {
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
