import Graph

/// The reference renderer: backward warp of I0 by a displacement field, bilinear sampling.
///
/// The paper forward-warps, I_t(p + F_t(p)) = I0(p) (eq. 1). Backward warping approximates it
/// by reading the field at the destination instead: I_t(q) = I0(q - F_t(q)). For smooth fields
/// the two agree to first order; there are no holes, but occlusions are not resolved (which is
/// what softmax splatting with the weights W is for). Samples outside the picture clamp to the
/// border. A zero field reproduces I0 bit for bit.
public enum BackwardWarp {
    /// Warps `image` by `field` ((2, H, W): x plane then y plane, pixels). `weights` ((H, W), the
    /// paper's W(p)) is accepted so this call has the splatting renderer's shape; a backward warp
    /// has no use for it. Alpha, if present, is warped like the colour planes.
    public static func warp(_ image: RGBImage, field: [Float], weights: [Float]) -> RGBImage {
        let w = image.width, h = image.height, plane = w * h
        precondition(field.count == 2 * plane, "BackwardWarp: field has \(field.count) floats, want 2*\(h)*\(w)")
        precondition(weights.count == plane, "BackwardWarp: weights have \(weights.count) floats, want \(h)*\(w)")
        let planes = image.alpha == nil ? 3 : 4
        var src = image.data
        if let a = image.alpha { src += a }
        var dst = [Float](repeating: 0, count: planes * plane)
        // Bands of rows, a few per core, so both cores stay busy when rows differ in cost.
        let bands = min(h, 16)
        src.withUnsafeBufferPointer { s in
            field.withUnsafeBufferPointer { f in
                dst.withUnsafeMutableBufferPointer { d in
                    nonisolated(unsafe) let sp = s.baseAddress!, fp = f.baseAddress!, dp = d.baseAddress!
                    parallelStripes(h, stripes: bands) { y0, y1 in
                        kernel(src: sp, field: fp, dst: dp, width: w, height: h, planes: planes, rows: y0..<y1)
                    }
                }
            }
        }
        let alpha = image.alpha == nil ? nil : Array(dst[(3 * plane)...])
        if alpha != nil { dst.removeLast(plane) }
        return RGBImage(width: w, height: h, data: dst, alpha: alpha)
    }

    /// Bilinear backward warp of rows y0..<y1 for `planes` planes.
    private static func kernel(src: UnsafePointer<Float>, field: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>,
                               width w: Int, height h: Int, planes: Int, rows: Range<Int>) {
        let plane = w * h
        let maxX = Float(w - 1), maxY = Float(h - 1)
        for y in rows {
            for x in 0..<w {
                let p = y * w + x
                let sx = min(max(Float(x) - field[p], 0), maxX)
                let sy = min(max(Float(y) - field[plane + p], 0), maxY)
                let x0 = Int(sx), y0 = Int(sy)
                let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                let ax = sx - Float(x0), ay = sy - Float(y0)
                // At integer positions the weights are exactly (1, 0, 0, 0): zero motion gives I0.
                let w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay), w01 = (1 - ax) * ay, w11 = ax * ay
                let i00 = y0 * w + x0, i10 = y0 * w + x1, i01 = y1 * w + x0, i11 = y1 * w + x1
                for c in 0..<planes {
                    let base = src + c * plane
                    dst[c * plane + p] = w00 * base[i00] + w10 * base[i10] + w01 * base[i01] + w11 * base[i11]
                }
            }
        }
    }
}
