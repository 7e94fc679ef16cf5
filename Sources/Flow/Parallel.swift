import Foundation
import Graph

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
