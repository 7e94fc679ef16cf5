/// A reusable float buffer with a stable address, owned by the flow workspace.
///
/// Kernels take its pointer directly; a class (not an array) so that several buffers can be
/// read and written in one kernel without exclusivity conflicts and without copies.
final class Plane {
    private(set) var count: Int
    private(set) var pointer: UnsafeMutablePointer<Float>

    init(count: Int = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Makes room for `n` floats, keeping the allocation when it is already large enough.
    func reserve(_ n: Int) {
        guard n > count else { return }
        pointer.deallocate()
        pointer = .allocate(capacity: n)
        pointer.initialize(repeating: 0, count: n)
        count = n
    }

    func fill(_ value: Float, count n: Int) { pointer.update(repeating: value, count: n) }
}
