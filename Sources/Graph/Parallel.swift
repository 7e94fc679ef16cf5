import Dispatch
import Foundation

/// Runs `body(stripe, first, end)` over `count` items split into at most `stripes` contiguous
/// ranges of ceil(count / stripes) items (stripe = 0, 1, ...), concurrently unless `serial`.
///
/// The one split-and-run of the kernels (flow, prior, renderer). Where a result depends on the
/// split, the caller fixes `stripes` (not the core count) so output is identical on any machine;
/// where it does not (disjoint outputs, a fixed summation order per output), `serial` runs the
/// same stripes on the calling thread and gives bit-identical results.
@inlinable
public func parallelIndexedStripes(_ count: Int, stripes: Int, serial: Bool = false,
                                   _ body: @Sendable (Int, Int, Int) -> Void) {
    let n = max(1, min(stripes, count))
    let size = (count + n - 1) / n
    if n == 1 { body(0, 0, count); return }
    if serial {
        for s in 0..<n where s * size < count { body(s, s * size, min(count, s * size + size)) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: n) { s in
        let first = s * size
        let end = min(count, first + size)
        if first < end { body(s, first, end) }
    }
}

/// `parallelIndexedStripes` for bodies that need only their range.
@inlinable
public func parallelStripes(_ count: Int, stripes: Int, serial: Bool = false, _ body: @Sendable (Int, Int) -> Void) {
    parallelIndexedStripes(count, stripes: stripes, serial: serial) { _, first, end in body(first, end) }
}

/// Results written by concurrent jobs, one slot each (each job writes only its own slot).
public final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public subscript(i: Int) -> Result<T, Error>? {
        get { lock.withLock { slots[i] } }
        set { lock.withLock { slots[i] = newValue } }
    }

    public func value(_ i: Int) throws -> T {
        guard let r = self[i] else { throw GIDError.internal("a concurrent job did not finish") }
        return try r.get()
    }
}
