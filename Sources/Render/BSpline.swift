import Foundation
import Graph

/// How a rendered frame takes its colours from I0.
///
/// `splat` moves the colours themselves (each source pixel's colour is shared bilinearly among the
/// four pixels around where it lands): every frame whose motion is not a whole number of pixels
/// is low-passed, so detail pulses over a loop (sharp where F_t ~ 0, soft elsewhere). The B-spline
/// kernels splat the *motion* instead and sample I0 once per output pixel, at q - F(q), with a
/// prefiltered B-spline (Unser, Aldroubi & Eden 1991): an interpolating kernel whose passband is
/// far flatter than bilinear's. Measured on the Samples stills shifted by (0.5, 0.5) px (variance
/// of the Laplacian against I0): bilinear 0.24-0.33, Catmull-Rom 0.40-0.53, cubic B-spline
/// 0.59-0.71, quintic B-spline 0.72-0.82, Lanczos-4 0.72-0.81 (64 taps against quintic's 36).
public enum ResampleKernel: String, CaseIterable, Sendable {
    /// Colours splatted bilinearly (soft; kept for comparison and for exact splat averaging).
    case splat
    /// Cubic B-spline: 4x4 taps.
    case cubic
    /// Quintic B-spline: 6x6 taps.
    case quintic

    /// Taps on each side of the sample beyond the nearest ones (1 for cubic, 2 for quintic); the
    /// coefficient image is padded by `margin` + 1 so no tap needs a bounds check.
    var margin: Int {
        switch self {
        case .splat: 0
        case .cubic: 1
        case .quintic: 2
        }
    }

    /// Poles of the B-spline's inverse filter (the prefilter that makes it interpolate).
    var poles: [Double] {
        switch self {
        case .splat: []
        case .cubic: [Double(3).squareRoot() - 2]
        case .quintic: [-0.430575347099973791851434783493520, -0.043096288203264653822712376822550]
        }
    }
}

/// I0's B-spline coefficients, interleaved (r, g, b, a) per pixel and mirror-padded by `pad`
/// pixels on every side, so sampling anywhere inside the picture reads no out-of-range tap.
/// Unchecked Sendable: written only by `load`, read concurrently while a frame is written.
public struct BSplineImage: @unchecked Sendable {
    let kernel: ResampleKernel
    let width: Int
    let height: Int
    let pad: Int
    /// Row stride in pixels (width + 2 pad).
    let stride: Int
    /// ((height + 2 pad) * stride) coefficients.
    let coefficients: UnsafeMutablePointer<SIMD4<Float>>

    init(width: Int, height: Int, kernel: ResampleKernel) {
        self.kernel = kernel
        self.width = width
        self.height = height
        pad = kernel.margin + 1
        stride = width + 2 * pad
        let count = stride * (height + 2 * pad)
        coefficients = .allocate(capacity: count)
        coefficients.initialize(repeating: .zero, count: count)
    }

    /// The coefficients of `image` (its own buffer: call `deallocate` when done).
    public init(_ image: RGBImage, kernel: ResampleKernel, threads: Int = 2) {
        precondition(kernel != .splat, "BSplineImage: \(kernel) is not a B-spline")
        self.init(width: image.width, height: image.height, kernel: kernel)
        image.data.withUnsafeBufferPointer { rgb in
            if let a = image.alpha {
                a.withUnsafeBufferPointer { load(rgb: rgb.baseAddress!, alpha: $0.baseAddress, threads: threads) }
            } else {
                load(rgb: rgb.baseAddress!, alpha: nil, threads: threads)
            }
        }
    }

    public func deallocate() { coefficients.deallocate() }

    /// Computes the coefficients of planar `rgb` ((3, H, W)) and `alpha` ((H, W) or nil = 1).
    func load(rgb: UnsafePointer<Float>, alpha: UnsafePointer<Float>?, threads: Int) {
        let w = width, h = height, n = w * h, p = pad, s = stride
        nonisolated(unsafe) let c = coefficients
        nonisolated(unsafe) let src = rgb
        nonisolated(unsafe) let a = alpha
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                c[(y + p) * s + x + p] = SIMD4(src[i], src[n + i], src[2 * n + i], a?[i] ?? 1)
            }
        }
        let poles = kernel.poles
        // Rows, then columns: the 2D prefilter is separable.
        parallelStripes(h, stripes: threads, serial: threads <= 1) { lo, hi in
            var line = [SIMD4<Float>](repeating: .zero, count: max(w, h))
            for y in lo..<hi {
                let row = c + (y + p) * s + p
                for x in 0..<w { line[x] = row[x] }
                BSplineImage.prefilter(&line, count: w, poles: poles)
                for x in 0..<w { row[x] = line[x] }
            }
        }
        parallelStripes(w, stripes: threads, serial: threads <= 1) { lo, hi in
            var line = [SIMD4<Float>](repeating: .zero, count: max(w, h))
            for x in lo..<hi {
                let column = c + p * s + p + x
                for y in 0..<h { line[y] = column[y * s] }
                BSplineImage.prefilter(&line, count: h, poles: poles)
                for y in 0..<h { column[y * s] = line[y] }
            }
        }
        padMirrored()
    }

    /// Whole-sample mirror padding (c[-k] = c[k], c[N-1+k] = c[N-1-k]): the boundary condition the
    /// prefilter assumed.
    private func padMirrored() {
        let w = width, h = height, p = pad, s = stride
        func mirror(_ i: Int, _ n: Int) -> Int {
            guard n > 1 else { return 0 }
            let period = 2 * n - 2
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
        for y in 0..<h {
            let row = coefficients + (y + p) * s + p
            for k in 1...p {
                row[-k] = row[mirror(-k, w)]
                row[w - 1 + k] = row[mirror(w - 1 + k, w)]
            }
        }
        for k in 1...p {
            let top = coefficients + (p - k) * s, bottom = coefficients + (p + h - 1 + k) * s
            let fromTop = coefficients + (p + mirror(-k, h)) * s, fromBottom = coefficients + (p + mirror(h - 1 + k, h)) * s
            top.update(from: fromTop, count: s)
            bottom.update(from: fromBottom, count: s)
        }
    }

    /// In-place B-spline prefilter of `line[0..<count]` (mirror boundaries): one causal and one
    /// anti-causal first-order recursion per pole (Unser 1999, "Splines: a perfect fit").
    static func prefilter(_ line: inout [SIMD4<Float>], count n: Int, poles: [Double]) {
        guard n > 1 else { return }
        var gain = 1.0
        for z in poles { gain *= (1 - z) * (1 - 1 / z) }
        let g = Float(gain)
        for i in 0..<n { line[i] *= g }
        for zd in poles {
            let z = Float(zd)
            // Causal start: the mirrored sum, truncated where z^k drops below float precision.
            let horizon = min(n, Int((log(1e-7) / log(abs(zd))).rounded(.up)) + 1)
            var sum = line[0]
            var zk = z
            for k in 1..<horizon {
                sum += zk * line[k]
                zk *= z
            }
            line[0] = sum
            for k in 1..<n { line[k] += z * line[k - 1] }
            line[n - 1] = (z / (z * z - 1)) * (line[n - 1] + z * line[n - 2])
            for k in Swift.stride(from: n - 2, through: 0, by: -1) { line[k] = z * (line[k + 1] - line[k]) }
        }
    }

    /// The picture's (r, g, b, a) at (x, y) (pixel units; clamped to the picture).
    @inline(__always)
    public func sample(x: Float, y: Float) -> SIMD4<Float> {
        switch kernel {
        case .quintic: sample(QuinticSum.self, x: x, y: y)
        default: sample(CubicSum.self, x: x, y: y)
        }
    }

    /// `sample` with the kernel as a type: a loop over pixels that takes it as a generic parameter
    /// is compiled once per kernel, with no per-pixel switch and only that kernel's sums inlined.
    @inline(__always)
    func sample<Sum: SplineSum>(_: Sum.Type, x: Float, y: Float) -> SIMD4<Float> {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let fx = cx.rounded(.down), fy = cy.rounded(.down)
        // In range by the clamp: indices need no overflow checks.
        let origin = coefficients + ((Int(fy) &+ pad) &* stride &+ Int(fx) &+ pad)
        return Sum.sum(origin, stride: stride, tx: cx - fx, ty: cy - fy)
    }

    /// Cubic B-spline sum over the 4x4 taps around `origin` (the coefficient at the sample's floor).
    @inline(__always)
    static func cubic(_ origin: UnsafePointer<SIMD4<Float>>, stride: Int, tx: Float, ty: Float) -> SIMD4<Float> {
        let wx = cubicWeights(tx), wy = cubicWeights(ty)
        var row = origin - stride - 1
        var out = SIMD4<Float>.zero
        for j in 0..<4 {
            var acc: SIMD4<Float> = wx[0] * row[0]
            acc.addProduct(wx[1], row[1])
            acc.addProduct(wx[2], row[2])
            acc.addProduct(wx[3], row[3])
            out.addProduct(wy[j], acc)
            row += stride
        }
        return out
    }

    /// Quintic B-spline sum over the 6x6 taps around `origin`.
    @inline(__always)
    static func quintic(_ origin: UnsafePointer<SIMD4<Float>>, stride: Int, tx: Float, ty: Float) -> SIMD4<Float> {
        let wx = quinticWeights(tx), wy = quinticWeights(ty)
        var row = origin - 2 * stride - 2
        var out = SIMD4<Float>.zero
        for j in 0..<6 {
            var acc: SIMD4<Float> = wx[0] * row[0]
            acc += wx[1] * row[1]
            acc += wx[2] * row[2]
            acc += wx[3] * row[3]
            acc += wx[4] * row[4]
            acc += wx[5] * row[5]
            out += wy[j] * acc
            row += stride
        }
        return out
    }

    /// Cubic B-spline weights of the taps at -1, 0, 1, 2 for a sample at fraction t in [0, 1).
    @inline(__always)
    static func cubicWeights(_ t: Float) -> SIMD4<Float> {
        let t2 = t * t, t3 = t2 * t, u = 1 - t
        return SIMD4(u * u * u, 3 * t3 - 6 * t2 + 4, -3 * t3 + 3 * t2 + 3 * t + 1, t3) * (1.0 / 6)
    }

    /// Quintic B-spline weights of the taps at -2...3 for a sample at fraction t in [0, 1) (lanes 6
    /// and 7 are 0): 120 beta5 at distances 2 + t, 1 + t, t, u, 1 + u, 2 + u (u = 1 - t). Each
    /// distance stays in one piece of beta5, a quintic in t or u, so all six are one Horner
    /// evaluation over SIMD lanes: x^5 (outermost), 26 - 50x + 20x^2 + 20x^3 - 20x^4 + 5x^5
    /// (beta5's middle piece at 1 + x) and 66 - 60x^2 + 30x^4 - 10x^5 (its inner piece).
    @inline(__always)
    static func quinticWeights(_ t: Float) -> SIMD8<Float> {
        let u = 1 - t
        let x = SIMD8<Float>(u, t, t, u, u, t, 0, 0)
        var r = SIMD8<Float>(1, 5, -10, -10, 5, 1, 0, 0)
        r = r * x + SIMD8(0, -20, 30, 30, -20, 0, 0, 0)
        r = r * x + SIMD8(0, 20, 0, 0, 20, 0, 0, 0)
        r = r * x + SIMD8(0, 20, -60, -60, 20, 0, 0, 0)
        r = r * x + SIMD8(0, -50, 0, 0, -50, 0, 0, 0)
        r = r * x + SIMD8(0, 26, 66, 66, 26, 0, 0, 0)
        return r * (1.0 / 120)
    }
}

/// One B-spline kernel's sum over its taps (see `BSplineImage.sample(_:x:y:)`).
protocol SplineSum {
    static func sum(_ origin: UnsafePointer<SIMD4<Float>>, stride: Int, tx: Float, ty: Float) -> SIMD4<Float>
}

enum CubicSum: SplineSum {
    @inline(__always)
    static func sum(_ origin: UnsafePointer<SIMD4<Float>>, stride: Int, tx: Float, ty: Float) -> SIMD4<Float> {
        BSplineImage.cubic(origin, stride: stride, tx: tx, ty: ty)
    }
}

enum QuinticSum: SplineSum {
    @inline(__always)
    static func sum(_ origin: UnsafePointer<SIMD4<Float>>, stride: Int, tx: Float, ty: Float) -> SIMD4<Float> {
        BSplineImage.quintic(origin, stride: stride, tx: tx, ty: ty)
    }
}
