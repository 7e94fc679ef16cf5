import Dispatch
import Foundation
import Graph

/// Runs `body(first, end)` over `count` items split into `stripes` contiguous ranges, in parallel.
///
/// The stripe count is fixed by the caller (not by the number of cores) wherever the result
/// depends on the split, so output is identical on any machine.
@inline(__always)
func parallelStripes(_ count: Int, stripes: Int, _ body: @Sendable (Int, Int) -> Void) {
    let n = max(1, min(stripes, count))
    let size = (count + n - 1) / n
    if n == 1 { body(0, count); return }
    DispatchQueue.concurrentPerform(iterations: n) { s in
        let first = s * size
        let end = min(count, first + size)
        if first < end { body(first, end) }
    }
}

/// Stripes for work whose result does not depend on the split (rows of a dense pass).
let denseStripes = 8

/// Results written by concurrent jobs, one slot each (each job writes only its own slot).
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(i: Int) -> Result<T, Error>? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }

    func value(_ i: Int) throws -> T {
        guard let r = self[i] else { throw GIDError.internal("a concurrent job did not finish") }
        return try r.get()
    }
}
