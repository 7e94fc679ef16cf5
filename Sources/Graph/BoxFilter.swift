/// Box means over one plane of floats, the smoothing that weights, confidences and motion
/// coefficients share (texture energy in Flow, splatting weights in Render).
public enum BoxFilter {
    /// In place: every value becomes the mean over its (2 radius + 1)^2 window, the window
    /// clipped at the border (so a constant plane stays constant). Running sums in Double: in
    /// Float they drift (values of a zero plane came out at -2e-6).
    public static func mean(_ a: inout [Float], width w: Int, height h: Int, radius r: Int) {
        guard r > 0, w > 0, h > 0 else { return }
        precondition(a.count >= w * h, "BoxFilter: \(a.count) values for \(w)x\(h)")
        var line = [Float](repeating: 0, count: max(w, h))
        pass(&a, &line, count: w, lines: h) { $0 * w + $1 }   // rows
        pass(&a, &line, count: h, lines: w) { $1 * w + $0 }   // columns

        func pass(_ a: inout [Float], _ line: inout [Float], count: Int, lines: Int, index: (Int, Int) -> Int) {
            for l in 0..<lines {
                var sum: Double = 0
                for i in 0..<min(r, count) { sum += Double(a[index(l, i)]) }
                for i in 0..<count {
                    if i + r < count { sum += Double(a[index(l, i + r)]) }
                    if i - r - 1 >= 0 { sum -= Double(a[index(l, i - r - 1)]) }
                    line[i] = Float(sum / Double(min(i + r, count - 1) - max(i - r, 0) + 1))
                }
                for i in 0..<count { a[index(l, i)] = line[i] }
            }
        }
    }
}
