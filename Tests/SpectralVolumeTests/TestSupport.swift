import Foundation
import Graph
@testable import SpectralVolume

/// A trajectory made of K sinusoids per (axis, pixel) with known amplitudes and phases.
struct SyntheticMotion {
    let frames: Int, width: Int, height: Int, frequencies: Int
    /// amplitude[k][c], phase[k][c] for column c of the (2, H, W) field.
    var amplitude: [[Double]]
    var phase: [[Double]]

    init(frames: Int, width: Int, height: Int, frequencies: Int, seed: UInt64 = 1) {
        self.frames = frames; self.width = width; self.height = height; self.frequencies = frequencies
        var rng = SeededRandom(seed: seed)
        let cols = 2 * width * height
        amplitude = (0..<frequencies).map { k in (0..<cols).map { _ in Double.random(in: 0.1...2, using: &rng) / Double(k + 1) } }
        phase = (0..<frequencies).map { _ in (0..<cols).map { _ in Double.random(in: 0..<(2 * .pi), using: &rng) } }
    }

    /// Largest possible |F| (the scale for relative errors).
    var peak: Double { (0..<(2 * width * height)).map { c in (0..<frequencies).reduce(0) { $0 + amplitude[$1][c] } }.max()! }

    /// F(t) at real time t in frames, (2, H, W).
    func field(at t: Double) -> [Double] {
        (0..<(2 * width * height)).map { c in
            (0..<frequencies).reduce(0.0) { s, k in
                s + amplitude[k][c] * cos(2 * .pi * Double(k) * t / Double(frames) + phase[k][c])
            }
        }
    }

    /// All N fields, contiguous (N, 2, H, W).
    var trajectories: [Float] { (0..<frames).flatMap { field(at: Double($0)).map(Float.init) } }
}

/// The DFT by definition, in Double: [Re (K, cols) | Im (K, cols)] with the module's 1/N.
func naiveDFT(_ traj: [Float], frames N: Int, columns cols: Int, frequencies K: Int) -> [Double] {
    var out = [Double](repeating: 0, count: 2 * K * cols)
    for k in 0..<K {
        for n in 0..<N {
            let th = 2 * Double.pi * Double(k * n) / Double(N)
            let c = cos(th) / Double(N), s = -sin(th) / Double(N)
            for j in 0..<cols {
                let x = Double(traj[n * cols + j])
                out[k * cols + j] += x * c
                out[K * cols + k * cols + j] += x * s
            }
        }
    }
    return out
}

/// Max |a - b| over two equally long sequences.
func maxDiff<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
}

/// A small scene with deterministic values.
func sampleScene(K: Int = 3, width: Int = 6, height: Int = 4, normalized: Bool = false, alpha: Bool = false) throws -> Scene {
    var rng = SeededRandom(seed: 42)
    let n = 2 * K * 2 * width * height
    var volume = try SpectralVolume(frequencies: K, width: width, height: height,
                                    data: (0..<n).map { _ in Float.random(in: -3...3, using: &rng) },
                                    fps: 30, windowSeconds: 5, source: "test \"quoted\" source")
    if normalized {
        volume = try volume.normalized(with: NormalizationStats(scales: (0..<K).map { Float($0 + 1) }))
    }
    let pixels: [Float] = (0..<(3 * width * height)).map { _ in Float.random(in: 0...1, using: &rng) }
    let plane = width * height
    let alphaPlane: [Float]? = alpha ? (0..<plane).map { Float($0) / Float(plane) } : nil
    let image = RGBImage(width: width, height: height, data: pixels, alpha: alphaPlane)
    return try Scene(image: image, volume: volume)
}

/// The package's directory of test fixtures.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
