import CFFTW
import Foundation

/// Trajectories -> S with FFTW: real FFTs along time for blocks of pixel columns.
///
/// Each worker copies a block of `chunk` columns of all N rows into an (N x chunk) buffer (plain
/// row copies, no transpose), runs one batched r2c plan (stride = chunk, distance = 1) and keeps
/// bins 0..K-1 scaled by 1/N. The block fits in L2, which keeps FFTW's strided access cheap.
enum FFTWProjection {
    /// Columns per block (a partial last block is zero-padded so one plan serves all).
    static let chunk = 256

    /// `gather(n, firstColumn, count, dst)` copies `count` floats of row n starting at `firstColumn`.
    static func project(frames N: Int, columns cols: Int, frequencies K: Int, into out: inout [Float],
                        gather: @Sendable (Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let chunk = Self.chunk
        let plan = FFTWPlanCache.shared.plan(frames: N, batch: chunk)
        let blocks = (cols + chunk - 1) / chunk
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, blocks))
        let scale = 1 / Float(N)
        let bins = N / 2 + 1
        out.withUnsafeMutableBufferPointer { o in
            nonisolated(unsafe) let dstRe = o.baseAddress!
            nonisolated(unsafe) let dstIm = o.baseAddress! + K * cols
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let input = fftwf_alloc_real(N * chunk)!
                let output = fftwf_alloc_complex(bins * chunk)!
                defer { fftwf_free(input); fftwf_free(output) }
                var block = w
                while block < blocks {
                    let c0 = block * chunk
                    let count = min(chunk, cols - c0)
                    if count < chunk { input.update(repeating: 0, count: N * chunk) }
                    for n in 0..<N { gather(n, c0, count, input + n * chunk) }
                    fftwf_execute_dft_r2c(plan.pointer, input, output)
                    // fftwf_complex is (re, im); rebind to floats to read it as pairs.
                    output.withMemoryRebound(to: Float.self, capacity: 2 * bins * chunk) { f in
                        for k in 0..<K {
                            let row = f + 2 * k * chunk
                            let re = dstRe + k * cols + c0
                            let im = dstIm + k * cols + c0
                            for j in 0..<count {
                                re[j] = row[2 * j] * scale
                                im[j] = row[2 * j + 1] * scale
                            }
                        }
                    }
                    block += workers
                }
            }
        }
    }
}

/// One FFTW plan; plans are immutable after creation and fftwf_execute_* is thread-safe.
final class FFTWPlan: @unchecked Sendable {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
}

/// Plans created once per (N, batch) and kept for the process (FFTW's planner is not thread-safe).
final class FFTWPlanCache: @unchecked Sendable {
    static let shared = FFTWPlanCache()
    private let lock = NSLock()
    private var plans: [[Int]: FFTWPlan] = [:]

    func plan(frames N: Int, batch: Int) -> FFTWPlan {
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[[N, batch]] { return p }
        let bins = N / 2 + 1
        // Planning on scratch buffers from fftwf_alloc_*: same alignment as the execute buffers.
        let input = fftwf_alloc_real(N * batch)!
        let output = fftwf_alloc_complex(bins * batch)!
        defer { fftwf_free(input); fftwf_free(output) }
        var n = [Int32(N)]
        let p = fftwf_plan_many_dft_r2c(1, &n, Int32(batch),
                                        input, nil, Int32(batch), 1,
                                        output, nil, Int32(batch), 1,
                                        UInt32(FFTW_MEASURE))!
        let plan = FFTWPlan(pointer: p)
        plans[[N, batch]] = plan
        return plan
    }
}
