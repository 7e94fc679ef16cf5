import COpenBLAS
import Graph

/// Trajectories -> S one displacement field at a time, in memory independent of the clip length.
///
/// Fields are staged in a small (B x 2HW) buffer; every B fields one sgemm adds
/// basis[:, n0..n0+B) * buffer into the (2K x 2HW) sums, so the work is the batch sgemm's, in
/// slices. N (the window) must be known up front because the basis depends on it.
public struct SpectralAccumulator: Sendable {
    /// Fields staged before each sgemm (19 MB at 512x288; enough rows to keep sgemm efficient).
    public static let stagedFields = 16

    /// Window length N in frames.
    public let frames: Int
    /// Grid width.
    public let width: Int
    /// Grid height.
    public let height: Int
    /// Number of frequencies K.
    public let frequencies: Int
    /// Frame rate (the window is N / fps seconds).
    public let fps: Double
    /// Source label carried into the volume.
    public var source: String
    /// Fields added so far.
    public private(set) var count = 0

    private let basis: [Float]
    private var sums: [Float]
    private var staged: [Float]
    private var stagedCount = 0

    /// Prepares for `frames` fields of (2, H, W) floats.
    public init(frames: Int, width: Int, height: Int, frequencies: Int = SpectralVolume.defaultFrequencies,
                fps: Double = SpectralVolume.defaultFPS, source: String = "") throws {
        try SpectralVolume.checkWindow(frames: frames, frequencies: frequencies, width: width, height: height)
        guard fps.isFinite, fps > 0 else { throw GIDError.usage("spectral accumulator: fps=\(fps) must be positive") }
        self.frames = frames
        self.width = width
        self.height = height
        self.frequencies = frequencies
        self.fps = fps
        self.source = source
        basis = Basis.projection(frequencies: frequencies, frames: frames)
        sums = [Float](repeating: 0, count: 2 * frequencies * 2 * width * height)
        staged = [Float](repeating: 0, count: min(Self.stagedFields, frames) * 2 * width * height)
    }

    /// Adds the displacement field of the next frame, (2, H, W) floats.
    public mutating func add(_ field: [Float]) throws {
        try field.withUnsafeBufferPointer { try add($0) }
    }

    /// Adds the displacement field of the next frame from a buffer of (2, H, W) floats.
    public mutating func add(_ field: UnsafeBufferPointer<Float>) throws {
        let cols = 2 * width * height
        guard field.count == cols else {
            throw GIDError.usage("spectral accumulator: field has \(field.count) floats, want 2*\(height)*\(width)")
        }
        guard count < frames else {
            throw GIDError.usage("spectral accumulator: more than the \(frames) fields of the window")
        }
        let slot = stagedCount
        staged.withUnsafeMutableBufferPointer { s in
            (s.baseAddress! + slot * cols).update(from: field.baseAddress!, count: cols)
        }
        stagedCount += 1
        count += 1
        if stagedCount * cols == staged.count || count == frames { flush() }
    }

    /// sums += basis[:, first..first+staged) * staged.
    private mutating func flush() {
        guard stagedCount > 0 else { return }
        let first = count - stagedCount
        let cols = 2 * width * height
        staged.withUnsafeBufferPointer { s in
            Kernels.project(basis: basis, basisOffset: first, ldBasis: frames, frequencies: frequencies,
                            frames: stagedCount, columns: cols, rows: s.baseAddress!, beta: 1, into: &sums)
        }
        stagedCount = 0
    }

    /// The spectral volume of the N fields added (throws if fewer were added).
    /// Like `finish`, but hands its buffers over instead of sharing them, so the caller can edit
    /// the volume in place without a copy (531 MB at 1080p, K = 16). The accumulator is empty after.
    public mutating func finishReleasing() throws -> SpectralVolume {
        let volume = try finish()
        sums = []
        staged = []
        return volume
    }

    public func finish() throws -> SpectralVolume {
        guard count == frames else {
            throw GIDError.usage("spectral accumulator: \(count) of \(frames) fields added")
        }
        return try SpectralVolume(frequencies: frequencies, width: width, height: height, data: sums, fps: fps,
                                  windowSeconds: Double(frames) / fps, source: source)
    }
}
