import Foundation
import Graph

/// Forward-backward consistency (Sundaram et al., ECCV 2010): where following the forward flow
/// and then the backward flow does not return to the start, the pixel is occluded or mismatched.
public enum FlowConsistency {
    /// Per-pixel confidence in 0...1, (H, W): exp(-|f(x) + b(x + f(x))|^2 / (0.01 (|f|^2 + |b|^2) + 0.5)).
    ///
    /// The tolerance grows with the motion as in Sundaram's occlusion test (which marks a pixel
    /// occluded when the exponent exceeds 1, i.e. confidence < 1/e). Pixels whose forward flow
    /// leaves the picture get 0.
    public static func confidence(forward f: FlowField, backward b: FlowField) throws -> [Float] {
        guard f.width == b.width, f.height == b.height else {
            throw GIDError.usage("flow consistency: forward is \(f.width)x\(f.height), backward \(b.width)x\(b.height)")
        }
        let w = f.width, h = f.height, n = w * h
        var out = [Float](repeating: 0, count: n)
        b.data.withUnsafeBufferPointer { bp in
            let bu = bp.baseAddress!, bv = bu + n
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let fu = f.data[i], fv = f.data[n + i]
                    let tx = Float(x) + fu, ty = Float(y) + fv
                    guard tx >= 0, ty >= 0, tx <= Float(w - 1), ty <= Float(h - 1) else { continue }
                    let ru = bilinear(bu, w, h, tx, ty), rv = bilinear(bv, w, h, tx, ty)
                    let eu = fu + ru, ev = fv + rv
                    let tolerance = 0.01 * (fu * fu + fv * fv + ru * ru + rv * rv) + 0.5
                    out[i] = exp(-(eu * eu + ev * ev) / tolerance)
                }
            }
        }
        return out
    }

    /// The round trip's squared miss |f(x) + b(x + f(x))|^2 per pixel (H, W), pixels^2, with b read
    /// clamped to the picture (a target outside counts at the border, unlike `confidence`).
    static func missSquared(forward f: FlowField, backward b: FlowField) -> [Float] {
        let w = f.width, h = f.height, n = w * h
        guard w >= 2, h >= 2 else { return [Float](repeating: 0, count: n) }
        var out = [Float](repeating: 0, count: n)
        f.data.withUnsafeBufferPointer { fp in b.data.withUnsafeBufferPointer { bp in
            let bu = bp.baseAddress!, bv = bu + n
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let fu = fp[i], fv = fp[n + i]
                    let eu = fu + bilinear(bu, w, h, Float(x) + fu, Float(y) + fv)
                    let ev = fv + bilinear(bv, w, h, Float(x) + fu, Float(y) + fv)
                    out[i] = eu * eu + ev * ev
                }
            }
        }}
        return out
    }

    /// Occlusion mask (H, W): true where the round trip fails Sundaram's test (confidence < 1/e).
    public static func occlusion(forward f: FlowField, backward b: FlowField) throws -> [Bool] {
        let threshold = Float(exp(-1.0))
        return try confidence(forward: f, backward: b).map { $0 < threshold }
    }
}
