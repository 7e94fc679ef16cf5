import Foundation

extension SpectralVolume {
    /// Per-pixel RMS length of the oscillating displacement, (H, W) pixels:
    /// sqrt(2 * sum_{k>=1} |S_k,x|^2 + |S_k,y|^2), the root mean square over one period of
    /// F(t) - S_0 (the mean offset, k = 0, does not move and is left out).
    public func oscillationAmplitude() -> [Float] {
        let v = denormalized()
        var out = [Float](repeating: 0, count: planeSize)
        for k in 1..<max(frequencies, 1) {
            for axis in 0..<2 {
                let base = v.index(k: k, axis: axis, y: 0, x: 0)
                for p in 0..<planeSize {
                    let re = v.data[base + p], im = v.data[partSize + base + p]
                    out[p] += 2 * (re * re + im * im)
                }
            }
        }
        return out.map { $0.squareRoot() }
    }

    /// Mean square displacement each term contributes, averaged over pixels, per axis, for
    /// k = 0..K-1 (pixels^2): |S_0|^2 for k = 0 and 2 |S_k|^2 above (a cosine of amplitude A gives A^2/2).
    public func powerSpectrum() -> (x: [Double], y: [Double]) {
        let v = denormalized()
        var px = [Double](repeating: 0, count: frequencies), py = px
        for k in 0..<frequencies {
            for axis in 0..<2 {
                let base = v.index(k: k, axis: axis, y: 0, x: 0)
                var sum = 0.0
                for p in 0..<planeSize {
                    let re = Double(v.data[base + p]), im = Double(v.data[partSize + base + p])
                    sum += re * re + im * im
                }
                let power = (k == 0 ? 1 : 2) * sum / Double(planeSize)
                if axis == 0 { px[k] = power } else { py[k] = power }
            }
        }
        return (px, py)
    }

    /// The paper's per-pixel splatting weight W(p) = mean_t ||F_t(p)||_2 (section 5), (H, W)
    /// pixels, averaged over `samples` evenly spaced times of one period (evaluated in batches
    /// so memory stays at a few fields).
    public func meanDisplacementMagnitude(samples: Int = 64) -> [Float] {
        let n = max(1, samples)
        let times = (0..<n).map { Double($0) * windowFrames / Double(n) }
        var sum = [Float](repeating: 0, count: planeSize)
        let batch = 8
        var fields = [Float](repeating: 0, count: batch * fieldSize)
        var start = 0
        while start < n {
            let chunk = Array(times[start..<min(start + batch, n)])
            fields.withUnsafeMutableBufferPointer { evaluate(atFrames: chunk, into: $0) }
            for j in 0..<chunk.count {
                let fx = j * fieldSize, fy = fx + planeSize
                for p in 0..<planeSize {
                    let dx = fields[fx + p], dy = fields[fy + p]
                    sum[p] += (dx * dx + dy * dy).squareRoot()
                }
            }
            start += batch
        }
        let inv = 1 / Float(n)
        return sum.map { $0 * inv }
    }
}
