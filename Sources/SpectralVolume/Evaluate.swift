import COpenBLAS
import Foundation

extension SpectralVolume {
    /// Displacement fields at real times t (in frames, any real value; period N = T * fps),
    /// returned as (times, 2, H, W): one (times x 2K) * (2K x 2HW) sgemm.
    ///
    /// A normalized volume is denormalized first, so this always gives pixels.
    public func fields(atFrames times: [Double]) -> [Float] {
        let n = times.count * fieldSize
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            evaluate(atFrames: times, into: UnsafeMutableBufferPointer(rebasing: buf[0..<n]))
            initialized = n
        }
    }

    /// Displacement fields at real times in seconds, (times, 2, H, W).
    public func fields(atSeconds times: [Double]) -> [Float] {
        fields(atFrames: times.map { $0 * fps })
    }

    /// The displacement field (2, H, W) at real time t in frames.
    public func field(atFrame t: Double) -> [Float] {
        fields(atFrames: [t])
    }

    /// The displacement field (2, H, W) at real time t in seconds.
    public func field(atSeconds t: Double) -> [Float] {
        field(atFrame: t * fps)
    }

    /// Writes fields at `times` (frames) into `out`, which holds times.count * 2HW floats.
    public func evaluate(atFrames times: [Double], into out: UnsafeMutableBufferPointer<Float>) {
        evaluate(basis: Basis.synthesis(frequencies: frequencies, period: windowFrames, times: times),
                 count: times.count, into: out)
    }

    /// Writes `count` fields into `out` from a (count x 2K) basis: field r = sum_k basis[r, k] Re(S_k)
    /// + basis[r, K + k] Im(S_k). The periodic texture's basis is `Basis.synthesis`; interactive
    /// dynamics gives its own (`Dynamics.basis`).
    public func evaluate(basis: [Float], count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(basis.count == count * 2 * frequencies, "evaluate: basis has \(basis.count) values, want \(count) x \(2 * frequencies)")
        precondition(out.count >= count * fieldSize, "evaluate: output holds \(out.count) floats, want \(count * fieldSize)")
        guard count > 0 else { return }
        if case .adaptive = normalization {
            denormalized().evaluate(basis: basis, count: count, into: out)
            return
        }
        let K = frequencies
        let cols = fieldSize
        basis.withUnsafeBufferPointer { b in
            data.withUnsafeBufferPointer { d in
                if count == 1 {
                    // One field: y (2HW) = D^T (2HW x 2K) * b (2K).
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(2 * K), Int32(cols), 1,
                                d.baseAddress!, Int32(cols), b.baseAddress!, 1, 0, out.baseAddress!, 1)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(count), Int32(cols), Int32(2 * K),
                                1, b.baseAddress!, Int32(2 * K),
                                d.baseAddress!, Int32(cols),
                                0, out.baseAddress!, Int32(cols))
                }
            }
        }
    }
}
