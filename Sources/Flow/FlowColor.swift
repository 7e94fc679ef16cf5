import Foundation
import Graph

/// The Middlebury flow colour coding (Baker et al. 2011): hue = direction, saturation = length.
public enum FlowColor {
    /// The 55-step colour wheel: red-yellow-green-cyan-blue-magenta, (r, g, b) in 0...255.
    static let wheel: [(Float, Float, Float)] = {
        let (ry, yg, gc, cb, bm, mr) = (15, 6, 4, 11, 13, 6)
        var w: [(Float, Float, Float)] = []
        for i in 0..<ry { w.append((255, 255 * Float(i) / Float(ry), 0)) }
        for i in 0..<yg { w.append((255 - 255 * Float(i) / Float(yg), 255, 0)) }
        for i in 0..<gc { w.append((0, 255, 255 * Float(i) / Float(gc))) }
        for i in 0..<cb { w.append((0, 255 - 255 * Float(i) / Float(cb), 255)) }
        for i in 0..<bm { w.append((255 * Float(i) / Float(bm), 0, 255)) }
        for i in 0..<mr { w.append((255, 0, 255 - 255 * Float(i) / Float(mr))) }
        return w
    }()

    /// The colour-coded picture of `flow`; lengths are divided by `maxMagnitude` (default: the
    /// field's largest finite length). Unknown vectors (|component| > 1e9) are black.
    public static func image(_ flow: FlowField, maxMagnitude: Float? = nil) -> RGBImage {
        let n = flow.planeSize
        let scale = max(maxMagnitude ?? flow.maxMagnitude, 1e-6)
        var out = [Float](repeating: 0, count: 3 * n)
        let count = wheel.count
        for i in 0..<n {
            let u = flow.data[i], v = flow.data[n + i]
            guard u.isFinite, v.isFinite, abs(u) < 1e9, abs(v) < 1e9 else { continue }
            let fu = u / scale, fv = v / scale
            let radius = (fu * fu + fv * fv).squareRoot()
            let angle = atan2(-fv, -fu) / Float.pi
            let fk = (angle + 1) / 2 * Float(count - 1)
            let k0 = Int(fk), k1 = (k0 + 1) % count
            let f = fk - Float(k0)
            let c0 = wheel[k0 % count], c1 = wheel[k1]
            for (ch, (a, b)) in [(c0.0, c1.0), (c0.1, c1.1), (c0.2, c1.2)].enumerated() {
                var col = ((1 - f) * a + f * b) / 255
                // Inside the unit circle: towards white at the centre; outside: darkened.
                col = radius <= 1 ? 1 - radius * (1 - col) : col * 0.75
                out[ch * n + i] = col
            }
        }
        return RGBImage(width: flow.width, height: flow.height, data: out)
    }
}
