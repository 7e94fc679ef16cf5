import Dispatch

/// Runs `body(band)` for bands 0..<count, on up to `threads` threads.
///
/// Callers make each band's result independent of which thread runs it (disjoint outputs, fixed
/// per-output summation order), so 1 and N threads give bit-identical pictures.
@inline(__always)
func parallelBands(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    if threads <= 1 || count <= 1 {
        for band in 0..<count { body(band) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// Row range [lo, hi) of band `band` when `rows` rows are split into `bands` nearly equal bands.
@inline(__always)
func bandRows(_ band: Int, of bands: Int, rows: Int) -> Range<Int> {
    (rows * band / bands)..<(rows * (band + 1) / bands)
}
