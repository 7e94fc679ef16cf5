import Graph
/// DIS densification: each pixel's flow is the average of the vectors of the patches covering
/// it, each weighted by 1 / max(1, |I1(x + u) - I0(x)|) so that patches that do not fit this
/// pixel (occlusions, motion boundaries) count less.
///
/// Runs patch by patch: a patch's vector, and so its bilinear weights, is the same over its
/// footprint, which makes the residual a few SIMD row operations; the weighted sums are then
/// scattered into per-pixel accumulators.
struct Densify: @unchecked Sendable {
    let i0: UnsafePointer<Float>
    /// I1 padded by `border` pixels (the patch search's copy): reads need no clamping.
    let i1Padded: UnsafePointer<Float>
    let sparseU, sparseV: UnsafePointer<Float>
    /// Per-pixel accumulators (w x h each), scratch.
    let sumU, sumV, sumW: UnsafeMutablePointer<Float>
    let denseU, denseV: UnsafeMutablePointer<Float>
    let width, height, border, patch, stride: Int

    func run() {
        let n = width * height
        sumU.update(repeating: 0, count: n)
        sumV.update(repeating: 0, count: n)
        sumW.update(repeating: 0, count: n)
        let hs = 1 + (height - patch) / stride
        // Stripes of patch rows; neighbouring stripes share pixel rows, so even and odd stripes
        // run in two rounds (a stripe is taller than a patch, so same-round stripes never touch).
        let stripes = 8
        let size = max((hs + stripes - 1) / stripes, (patch + stride - 1) / stride)
        let count = (hs + size - 1) / size
        let body = self
        for parity in 0..<2 {
            let mine = (count - parity + 1) / 2
            parallelStripes(mine, stripes: mine) { first, end in
                for s in first..<end {
                    let stripe = 2 * s + parity
                    body.scatter(rows: stripe * size, min(hs, (stripe + 1) * size))
                }
            }
        }
        parallelStripes(height, stripes: denseStripes) { first, end in
            for i in (first * body.width)..<(end * body.width) {
                let w = body.sumW[i]
                body.denseU[i] = w > 0 ? body.sumU[i] / w : 0
                body.denseV[i] = w > 0 ? body.sumV[i] / w : 0
            }
        }
        // The last stride - 1 columns and rows may lie past every patch: copy the nearest.
        let ws = 1 + (width - patch) / stride
        let coveredW = (ws - 1) * stride + patch, coveredH = (hs - 1) * stride + patch
        for y in 0..<height {
            let src = min(y, coveredH - 1) * width
            for x in 0..<width where y >= coveredH || x >= coveredW {
                let from = src + min(x, coveredW - 1)
                denseU[y * width + x] = denseU[from]
                denseV[y * width + x] = denseV[from]
            }
        }
    }

    /// Adds the weighted vectors of patch rows [first, end) to the accumulators.
    private func scatter(rows first: Int, _ end: Int) {
        let ws = 1 + (width - patch) / stride
        let b = Float(border), ew = width + 2 * border
        let one = SIMD4<Float>(repeating: 1)
        let chunks = patch / 4
        for ps in first..<end {
            for js in 0..<ws {
                let k = ps * ws + js
                let u = sparseU[k], v = sparseV[k]
                let i = ps * stride, j = js * stride
                let y = min(max(Float(i) + v + b, b - Float(patch) + 1), b + Float(height) - 1)
                let x = min(max(Float(j) + u + b, b - Float(patch) + 1), b + Float(width) - 1)
                let y0 = Int(y), x0 = Int(x)
                let fy = y - Float(y0), fx = x - Float(x0)
                let taps = BilinearTaps4(fx: fx, fy: fy)
                let vu = SIMD4<Float>(repeating: u), vv = SIMD4<Float>(repeating: v)
                for r in 0..<patch {
                    let top = i1Padded + (y0 + r) * ew + x0, bottom = top + ew
                    let o = (i + r) * width + j
                    for c in 0..<chunks {
                        let q = 4 * c
                        let s = taps.sample(top + q, bottom + q)
                        let diff = s - load4(i0 + o + q)
                        let magnitude = diff.replacing(with: -diff, where: diff .< 0)
                        let weight = one / magnitude.replacing(with: one, where: magnitude .< one)
                        store4(load4(sumU + o + q) + weight * vu, sumU + o + q)
                        store4(load4(sumV + o + q) + weight * vv, sumV + o + q)
                        store4(load4(sumW + o + q) + weight, sumW + o + q)
                    }
                }
            }
        }
    }
}
