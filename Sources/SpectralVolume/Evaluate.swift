import COpenBLAS
import Foundation
import Graph

extension SpectralVolume {
    /// Displacement fields at real times t (in frames, any real value; period N = T * fps),
    /// returned as (times, 2, H, W): one (times x 2K) * (2K x 2HW) product (`FieldKernel`).
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
        // Two column halves on our own threads (see `SingleThreadedBLAS`); every output keeps its
        // sum order, so the result does not depend on the split. Volumes under 32k columns (a
        // 128x128 grid) stay on the calling thread: too little work to hand off (not measured).
        let stripes = cols >= 1 << 15 ? 2 : 1
        let chunk = ((cols + stripes - 1) / stripes + 15) / 16 * 16
        basis.withUnsafeBufferPointer { b in
            data.withUnsafeBufferPointer { d in
                nonisolated(unsafe) let (bp, dp, op) = (b.baseAddress!, d.baseAddress!, out.baseAddress!)
                SingleThreadedBLAS.run {
                    parallelStripes(stripes, stripes: stripes) { s0, s1 in
                        for s in s0..<s1 {
                            let columns = (s * chunk)..<min(cols, (s + 1) * chunk)
                            guard !columns.isEmpty else { continue }
                            if count == 1 {
                                // One field: y (2HW) = D^T (2HW x 2K) * b (2K).
                                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(2 * K), Int32(columns.count), 1,
                                            dp + columns.lowerBound, Int32(cols), bp, 1, 0, op + columns.lowerBound, 1)
                            } else {
                                FieldKernel.synthesize(basis: bp, rows: count, depth: 2 * K, data: dp, stride: cols,
                                                       columns: columns, into: op)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Batched fields: out (rows x stride) = basis (rows x depth) * data (depth x stride), over a range
/// of columns. An 8-row x 16-column register block reads each coefficient once per 8 frames and
/// packs nothing, where OpenBLAS's sgemm copied the whole (32 x 2HW) volume on every 8-frame batch
/// and took as long again for the products (render `fast`, 512x288 measured scene: 180 -> 208
/// frames/s; the backward-warp peer, which shares this, 511 -> 627).
enum FieldKernel {
    static func synthesize(basis: UnsafePointer<Float>, rows: Int, depth: Int, data: UnsafePointer<Float>,
                           stride: Int, columns: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        var first = 0
        while first < rows {
            let block = min(8, rows - first)
            // The block's basis, zero-padded to 8 rows so one kernel serves every block size.
            var padded = [Float](repeating: 0, count: 8 * depth)
            for r in 0..<block {
                for k in 0..<depth { padded[r * depth + k] = basis[(first + r) * depth + k] }
            }
            padded.withUnsafeBufferPointer { b in
                block8(basis: b.baseAddress!, rows: block, depth: depth, data: data, stride: stride, columns: columns,
                       into: out + first * stride)
            }
            first += 8
        }
    }

    /// Rows 0..<rows (<= 8) of basis (8 x depth, padded) * data, 16 columns at a time.
    @inline(__always)
    private static func block8(basis b: UnsafePointer<Float>, rows: Int, depth: Int, data: UnsafePointer<Float>,
                               stride: Int, columns: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        var c = columns.lowerBound
        while c + 16 <= columns.upperBound {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
            var column = UnsafeRawPointer(data + c)
            for k in 0..<depth {
                let v = column.loadUnaligned(as: V.self)
                a0.addProduct(b[k], v)
                a1.addProduct(b[depth + k], v)
                a2.addProduct(b[2 * depth + k], v)
                a3.addProduct(b[3 * depth + k], v)
                a4.addProduct(b[4 * depth + k], v)
                a5.addProduct(b[5 * depth + k], v)
                a6.addProduct(b[6 * depth + k], v)
                a7.addProduct(b[7 * depth + k], v)
                column += stride * MemoryLayout<Float>.stride
            }
            @inline(__always) func store(_ r: Int, _ a: V) {
                if r < rows { UnsafeMutableRawPointer(out + r * stride + c).storeBytes(of: a, as: V.self) }
            }
            store(0, a0); store(1, a1); store(2, a2); store(3, a3)
            store(4, a4); store(5, a5); store(6, a6); store(7, a7)
            c += 16
        }
        // The last < 16 columns, one at a time in the same order of sums.
        while c < columns.upperBound {
            for r in 0..<rows {
                var sum: Float = 0
                for k in 0..<depth { sum = sum.addingProduct(b[r * depth + k], data[k * stride + c]) }
                out[r * stride + c] = sum
            }
            c += 1
        }
    }
}
