/// Box means over one plane of floats, the smoothing that weights, confidences and motion
/// coefficients share (texture energy in Flow, splatting weights in Render, the measured-motion
/// fill).
public enum BoxFilter {
    /// In place: every value becomes the mean over its (2 radius + 1)^2 window, the window
    /// clipped at the border (so a constant plane stays constant). Running sums in Double: in
    /// Float they drift (values of a zero plane came out at -2e-6). The column pass walks rows
    /// with one running sum per column, so it reads memory in order (a 1080p plane: ~10 ms).
    public static func mean(_ a: inout [Float], width w: Int, height h: Int, radius r: Int) {
        guard r > 0, w > 0, h > 0 else { return }
        precondition(a.count >= w * h, "BoxFilter: \(a.count) values for \(w)x\(h)")
        let source = Array(a[0..<(w * h)])
        var sums = [Double](repeating: 0, count: w)
        source.withUnsafeBufferPointer { src in
            a.withUnsafeMutableBufferPointer { out in
                sums.withUnsafeMutableBufferPointer { acc in
                    rows(src, into: out, width: w, height: h, radius: r)
                    // Columns read the row-filtered plane: copy it back into `src`'s role.
                    let filtered = Array(out[0..<(w * h)])
                    filtered.withUnsafeBufferPointer { columns($0, into: out, sums: acc, width: w, height: h, radius: r) }
                }
            }
        }
    }

    private static func rows(_ src: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                             width w: Int, height h: Int, radius r: Int) {
        for y in 0..<h {
            let row = y * w
            var sum: Double = 0
            for x in 0..<min(r, w) { sum += Double(src[row + x]) }
            for x in 0..<w {
                if x + r < w { sum += Double(src[row + x + r]) }
                if x - r - 1 >= 0 { sum -= Double(src[row + x - r - 1]) }
                out[row + x] = Float(sum / Double(min(x + r, w - 1) - max(x - r, 0) + 1))
            }
        }
    }

    private static func columns(_ src: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                                sums acc: UnsafeMutableBufferPointer<Double>, width w: Int, height h: Int, radius r: Int) {
        for x in 0..<w { acc[x] = 0 }
        for y in 0..<min(r, h) {
            for x in 0..<w { acc[x] += Double(src[y * w + x]) }
        }
        for y in 0..<h {
            if y + r < h {
                let add = (y + r) * w
                for x in 0..<w { acc[x] += Double(src[add + x]) }
            }
            if y - r - 1 >= 0 {
                let sub = (y - r - 1) * w
                for x in 0..<w { acc[x] -= Double(src[sub + x]) }
            }
            let scale = 1 / Double(min(y + r, h - 1) - max(y - r, 0) + 1)
            let row = y * w
            for x in 0..<w { out[row + x] = Float(acc[x] * scale) }
        }
    }
}

extension BoxFilter {
    /// `mean` of `radius` applied twice (about a Gaussian of sigma 0.9 radius), in place.
    public static func twiceMean(_ a: inout [Float], width w: Int, height h: Int, radius r: Int) {
        for _ in 0..<2 { mean(&a, width: w, height: h, radius: r) }
    }

    /// Normalized convolution: low-confidence values are replaced by the trusted values around
    /// them, v = c v + (1 - c) G(t v) / (G(t) + epsilon), G = `twiceMean` of `radius`; far from
    /// anything trusted, v falls to 0. `trustMean` is G(t), passed in so planes can share it.
    /// (The splatting weights of a flat surface in Render, measured motion in Flow.)
    public static func fillFromNeighbours(_ v: inout [Float], confidence c: [Float], trust t: [Float], trustMean: [Float],
                                          epsilon: Float, width w: Int, height h: Int, radius r: Int) {
        let n = w * h
        precondition(v.count >= n && c.count >= n && t.count >= n && trustMean.count >= n,
                     "BoxFilter: fill planes smaller than \(w)x\(h)")
        var spread = (0..<n).map { t[$0] * v[$0] }
        twiceMean(&spread, width: w, height: h, radius: r)
        for i in 0..<n {
            let filled = spread[i] / (trustMean[i] + epsilon)
            v[i] = c[i] * v[i] + (1 - c[i]) * filled
        }
    }
}
