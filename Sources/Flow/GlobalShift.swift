/// Robust global translation of a flow field: the per-axis median, which ignores a moving
/// minority of pixels (leaves, water) and so measures the camera's shift of a still background.
public enum GlobalShift {
    /// The median (u, v) over a grid subsample of `flow` (every `step`-th pixel each way).
    ///
    /// `scratch` is reused between calls so a stream of frames does not allocate.
    public static func median(of flow: FlowField, step: Int = 2, scratch: inout [Float]) -> (Float, Float) {
        median(of: flow, step: step, mask: nil, scratch: &scratch) ?? (0, 0)
    }

    /// The median (u, v) over the grid subsample's pixels where `mask` (H, W) is true: the
    /// pixels whose flow can be trusted (textured ones; see `MotionConfidence`). nil when fewer
    /// than `minimum` of them are on the grid: then the field says nothing about the camera.
    public static func median(of flow: FlowField, step: Int = 2, mask: [Bool]?, minimum: Int = 1,
                              scratch: inout [Float]) -> (Float, Float)? {
        let n = flow.planeSize
        let s = max(step, 1)
        let mask = mask.flatMap { $0.count == n ? $0 : nil }
        var result: (Float, Float) = (0, 0)
        for plane in 0..<2 {
            scratch.removeAll(keepingCapacity: true)
            var y = 0
            while y < flow.height {
                var x = 0
                while x < flow.width {
                    let i = y * flow.width + x
                    let value = flow.data[plane * n + i]
                    if value.isFinite, mask?[i] ?? true { scratch.append(value) }
                    x += s
                }
                y += s
            }
            if scratch.count < max(minimum, 1) { return nil }
            let m = select(&scratch, scratch.count / 2)
            if plane == 0 { result.0 = m } else { result.1 = m }
        }
        return result
    }

    /// The most common (u, v) over the grid subsample's pixels where `mask` is true: the peak of
    /// a 2D histogram (`bin` px cells, 3x3-summed) over |u|, |v| <= `range`, refined by the
    /// per-axis median of the samples within 1.5 cells of it.
    ///
    /// Unlike the median, the mode stays on a still background even when a moving part (a flame,
    /// a waving crane) holds most of the textured pixels: the background's flow is one sharp
    /// peak, the moving part's is spread out. nil when fewer than `minimum` samples are masked
    /// in, or when the peak holds less than `share` of them (no dominant translation in range:
    /// a pan beyond `range`, or noise); the caller then falls back to the median.
    public static func mode(of flow: FlowField, step: Int = 2, mask: [Bool]?, range: Float, bin: Float = 0.25,
                            share: Float = 0.1, minimum: Int = 1, scratch: inout [Float]) -> (Float, Float)? {
        let n = flow.planeSize
        let s = max(step, 1)
        let mask = mask.flatMap { $0.count == n ? $0 : nil }
        let cells = Int((range / bin).rounded(.up)) * 2 + 1
        guard range > 0, bin > 0, cells >= 3 else { return nil }
        var histogram = [Int](repeating: 0, count: cells * cells)
        scratch.removeAll(keepingCapacity: true)   // (u, v) pairs in range
        var total = 0
        var y = 0
        while y < flow.height {
            var x = 0
            while x < flow.width {
                let i = y * flow.width + x
                let u = flow.data[i], v = flow.data[n + i]
                if u.isFinite, v.isFinite, mask?[i] ?? true {
                    total += 1
                    let cu = Int(((u + range) / bin).rounded()), cv = Int(((v + range) / bin).rounded())
                    if cu >= 0, cv >= 0, cu < cells, cv < cells {
                        histogram[cv * cells + cu] += 1
                        scratch.append(u)
                        scratch.append(v)
                    }
                }
                x += s
            }
            y += s
        }
        guard total >= max(minimum, 1) else { return nil }
        var best = -1, bu = 0, bv = 0
        for cv in 0..<cells {
            for cu in 0..<cells {
                var sum = 0
                for dv in -1...1 where cv + dv >= 0 && cv + dv < cells {
                    for du in -1...1 where cu + du >= 0 && cu + du < cells { sum += histogram[(cv + dv) * cells + cu + du] }
                }
                if sum > best { best = sum; bu = cu; bv = cv }
            }
        }
        guard Float(best) >= share * Float(total) else { return nil }
        let pu = Float(bu) * bin - range, pv = Float(bv) * bin - range, reach = 1.5 * bin
        var us: [Float] = [], vs: [Float] = []
        for j in stride(from: 0, to: scratch.count, by: 2) where abs(scratch[j] - pu) <= reach && abs(scratch[j + 1] - pv) <= reach {
            us.append(scratch[j])
            vs.append(scratch[j + 1])
        }
        guard !us.isEmpty else { return (pu, pv) }
        return (select(&us, us.count / 2), select(&vs, vs.count / 2))
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
