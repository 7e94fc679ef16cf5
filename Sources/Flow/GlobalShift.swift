/// Robust global translation of a flow field: the per-axis median, which ignores a moving
/// minority of pixels (leaves, water) and so measures the camera's shift of a still background.
public enum GlobalShift {
    /// The median (u, v) over a grid subsample of `flow` (every `step`-th pixel each way).
    ///
    /// `scratch` is reused between calls so a stream of frames does not allocate.
    public static func median(of flow: FlowField, step: Int = 2, scratch: inout [Float]) -> (Float, Float) {
        let n = flow.planeSize
        let s = max(step, 1)
        var result: (Float, Float) = (0, 0)
        for plane in 0..<2 {
            scratch.removeAll(keepingCapacity: true)
            var y = 0
            while y < flow.height {
                var x = 0
                while x < flow.width {
                    let value = flow.data[plane * n + y * flow.width + x]
                    if value.isFinite { scratch.append(value) }
                    x += s
                }
                y += s
            }
            let m = select(&scratch, scratch.count / 2)
            if plane == 0 { result.0 = m } else { result.1 = m }
        }
        return result
    }

    /// The k-th smallest element (quickselect, in place); 0 for an empty array.
    static func select(_ a: inout [Float], _ k: Int) -> Float {
        guard !a.isEmpty else { return 0 }
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }
}
