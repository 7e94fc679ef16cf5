import COpenBLAS
import Foundation
import Graph

/// How trajectories become coefficients. Both give the same S (tests hold them to 1e-5).
public enum SpectralMethod: String, Sendable, CaseIterable {
    /// The K-term DFT as one (2K x N) * (N x 2HW) sgemm: fastest for K << N (PLATFORM-NOTES.md).
    case sgemm
    /// FFTW real FFT along time per pixel, batched over pixel blocks, keeping bins 0..K-1.
    case fftw
}

extension SpectralVolume {
    /// Checks the window can hold K terms without reaching the Nyquist bin.
    static func checkWindow(frames: Int, frequencies: Int, width: Int, height: Int) throws {
        guard frequencyRange.contains(frequencies) else {
            throw GIDError.usage("spectral volume: K=\(frequencies) frequencies is outside 1..75")
        }
        guard width > 0, height > 0 else {
            throw GIDError.usage("spectral volume: size \(width)x\(height) must be positive")
        }
        guard frames > 0, 2 * (frequencies - 1) < frames else {
            throw GIDError.usage("spectral volume: \(frames) frames cannot hold K=\(frequencies) frequencies (need 2(K-1) < N)")
        }
    }

    /// S of N displacement fields stored contiguously as (N, 2, H, W) (trajectories -> S).
    ///
    /// The window is the N frames: T = N / fps.
    public init(trajectories: [Float], frames: Int, width: Int, height: Int,
                frequencies: Int = SpectralVolume.defaultFrequencies, fps: Double = SpectralVolume.defaultFPS,
                source: String = "", method: SpectralMethod = .sgemm) throws {
        try Self.checkWindow(frames: frames, frequencies: frequencies, width: width, height: height)
        let cols = 2 * width * height
        guard trajectories.count == frames * cols else {
            throw GIDError.usage("spectral volume: \(trajectories.count) trajectory floats, want \(frames)*2*\(height)*\(width)")
        }
        var out = [Float](repeating: 0, count: 2 * frequencies * cols)
        switch method {
        case .sgemm:
            let basis = Basis.projection(frequencies: frequencies, frames: frames)
            Kernels.project(basis: basis, frequencies: frequencies, frames: frames, columns: cols,
                            rows: trajectories, into: &out)
        case .fftw:
            trajectories.withUnsafeBufferPointer { src in
                nonisolated(unsafe) let base = src.baseAddress!
                FFTWProjection.project(frames: frames, columns: cols, frequencies: frequencies, into: &out) { n, c0, count, dst in
                    dst.update(from: base + n * cols + c0, count: count)
                }
            }
        }
        try self.init(frequencies: frequencies, width: width, height: height, data: out, fps: fps,
                      windowSeconds: Double(frames) / fps, source: source)
    }

    /// S of N separate displacement fields, each (2, H, W) (trajectories -> S).
    public init(fields: [[Float]], width: Int, height: Int,
                frequencies: Int = SpectralVolume.defaultFrequencies, fps: Double = SpectralVolume.defaultFPS,
                source: String = "", method: SpectralMethod = .sgemm) throws {
        let frames = fields.count
        try Self.checkWindow(frames: frames, frequencies: frequencies, width: width, height: height)
        let cols = 2 * width * height
        if let bad = fields.firstIndex(where: { $0.count != cols }) {
            throw GIDError.usage("spectral volume: field \(bad) has \(fields[bad].count) floats, want 2*\(height)*\(width)")
        }
        switch method {
        case .sgemm:
            var acc = try SpectralAccumulator(frames: frames, width: width, height: height,
                                              frequencies: frequencies, fps: fps, source: source)
            for f in fields { try acc.add(f) }
            self = try acc.finish()
        case .fftw:
            var out = [Float](repeating: 0, count: 2 * frequencies * cols)
            FFTWProjection.project(frames: frames, columns: cols, frequencies: frequencies, into: &out) { n, c0, count, dst in
                fields[n].withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + c0, count: count) }
            }
            try self.init(frequencies: frequencies, width: width, height: height, data: out, fps: fps,
                          windowSeconds: Double(frames) / fps, source: source)
        }
    }
}

/// BLAS kernels shared by the transforms (the only place with raw pointers besides FFTW's).
enum Kernels {
    /// out (2K x cols) = basis (2K x N, leading dimension ldBasis) * rows (N x cols) + beta * out.
    static func project(basis: [Float], basisOffset: Int = 0, ldBasis: Int? = nil, frequencies K: Int,
                        frames N: Int, columns cols: Int, rows: UnsafePointer<Float>,
                        beta: Float = 0, into out: inout [Float]) {
        basis.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                            Int32(2 * K), Int32(cols), Int32(N),
                            1, b.baseAddress! + basisOffset, Int32(ldBasis ?? N),
                            rows, Int32(cols),
                            beta, o.baseAddress!, Int32(cols))
            }
        }
    }

    /// Array form of `project`.
    static func project(basis: [Float], frequencies K: Int, frames N: Int, columns cols: Int,
                        rows: [Float], into out: inout [Float]) {
        rows.withUnsafeBufferPointer { r in
            project(basis: basis, frequencies: K, frames: N, columns: cols, rows: r.baseAddress!, into: &out)
        }
    }
}
