import Foundation

/// What the dynamics need to know about each mode's shape S_k(p), measured once per scene.
///
/// Why: a predicted or measured volume has bins whose shapes are pixel noise (flow noise on
/// flat regions, the prior's texture). Pulled or blown at full strength they turn a thin
/// structure (a cable, a branch) into a squiggle. Each mode is weighted by its spatial
/// smoothness, w_k = 1 / (1 + r_k / r0), where r_k = sum |grad S_k|^2 / sum |S_k|^2 (1/px^2)
/// and r0 = (2 pi / lambda0)^2: a mode that varies over lambda0 = max(8, width / 32) pixels keeps half
/// its weight, a smooth one nearly all, pixel noise (r near 4) a few percent.
public struct ModeShapes: Sendable {
    /// Smoothness weight per bin (bin 0, the offset, has weight 0: it is not a mode).
    public let weights: [Double]
    /// Per bin, the share of the shape's energy along x, along y and their cross term
    /// (sum Re(S_x conj S_y)), normalized by the total: the breeze's direction factor.
    let along: [(xx: Double, yy: Double, xy: Double)]

    /// Wavelength (in grid pixels) at which a mode keeps half its weight, for a grid `width` wide.
    public static func halfWeightWavelength(width: Int) -> Double { max(8, Double(width) / 32) }

    /// Measures the raw (denormalized) volume `raw`.
    public init(raw: SpectralVolume) {
        let K = raw.frequencies, w = raw.width, h = raw.height
        let r0 = pow(2 * Double.pi / Self.halfWeightWavelength(width: w), 2)
        var weights = [Double](repeating: 0, count: K)
        var along = [(xx: Double, yy: Double, xy: Double)](repeating: (0.5, 0.5, 0), count: K)
        raw.data.withUnsafeBufferPointer { d in
            for k in 1..<K {
                var energy = 0.0, gradient = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
                for part in 0..<2 {
                    for axis in 0..<2 {
                        let base = part * raw.partSize + raw.index(k: k, axis: axis, y: 0, x: 0)
                        for y in 0..<h {
                            let row = base + y * w
                            for x in 0..<w {
                                let v = Double(d[row + x])
                                energy += v * v
                                if x + 1 < w { let g = Double(d[row + x + 1]) - v; gradient += g * g }
                                if y + 1 < h { let g = Double(d[row + w + x]) - v; gradient += g * g }
                            }
                        }
                    }
                    let bx = part * raw.partSize + raw.index(k: k, axis: 0, y: 0, x: 0)
                    let by = part * raw.partSize + raw.index(k: k, axis: 1, y: 0, x: 0)
                    for i in 0..<(w * h) {
                        let sx = Double(d[bx + i]), sy = Double(d[by + i])
                        xx += sx * sx
                        yy += sy * sy
                        xy += sx * sy
                    }
                }
                guard energy > 0 else { continue }
                weights[k] = 1 / (1 + gradient / energy / r0)
                along[k] = (xx / energy, yy / energy, xy / energy)
            }
        }
        self.weights = weights
        self.along = along
    }

    /// How strongly a force along `degrees` (0 = right, 90 = down) drives bin k, relative to a
    /// force with no direction: sqrt(2 x the share of the mode's motion along it), 0...sqrt(2).
    public func directionFactor(bin k: Int, degrees: Double) -> Double {
        let c = cos(degrees * .pi / 180), s = sin(degrees * .pi / 180)
        let a = along[k]
        return (2 * max(0, a.xx * c * c + a.yy * s * s + 2 * a.xy * c * s)).squareRoot()
    }
}
