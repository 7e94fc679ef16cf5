import Foundation

/// Activations of one window's slices: (n, c, h, w) row-major floats, as PyTorch's NCHW.
struct Tensor: Sendable {
    var n: Int
    var c: Int
    var h: Int
    var w: Int
    var data: [Float]

    init(n: Int, c: Int, h: Int, w: Int, data: [Float]) {
        precondition(data.count == n * c * h * w, "Tensor: \(data.count) floats for (\(n), \(c), \(h), \(w))")
        self.n = n; self.c = c; self.h = h; self.w = w
        self.data = data
    }

    init(n: Int, c: Int, h: Int, w: Int) {
        self.init(n: n, c: c, h: h, w: w, data: [Float](repeating: 0, count: n * c * h * w))
    }

    var plane: Int { h * w }
    var sliceSize: Int { c * h * w }
}

/// A raw pointer that may cross into `concurrentPerform`: each stripe writes its own disjoint range.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}
