/// Elementwise maths on SIMD vectors shared by the kernels of several modules (the prior's
/// attention and SiLU, frame interpolation's importance weights).
public enum VectorMath {
    /// exp of 8 floats (Cephes expf: 2^n times a degree-6 polynomial on [-ln2/2, ln2/2]; within
    /// 2 ulp of expf over the clamped range [-87.3, 88.7]). About 4x glibc's scalar expf per value.
    @inlinable @inline(__always)
    public static func exp8(_ x0: SIMD8<Float>) -> SIMD8<Float> {
        var x = x0
        x.replace(with: SIMD8(repeating: 88.7), where: x .> 88.7)
        x.replace(with: SIMD8(repeating: -87.3), where: x .< -87.3)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick: its low mantissa bits hold n as an integer.
        let magic = SIMD8<Float>(repeating: 12582912)
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
    }
}
