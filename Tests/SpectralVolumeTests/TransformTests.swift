import Foundation
import Graph
import Testing
@testable import SpectralVolume

@Suite struct TransformTests {
    @Test(arguments: SpectralMethod.allCases)
    func roundTripReproducesSinusoids(method: SpectralMethod) throws {
        let m = SyntheticMotion(frames: 150, width: 5, height: 3, frequencies: 16)
        let v = try SpectralVolume(trajectories: m.trajectories, frames: 150, width: 5, height: 3,
                                   frequencies: 16, fps: 30, method: method)
        #expect(v.windowSeconds == 5)
        #expect(v.frequency(3) == 0.6)
        let all = v.fields(atFrames: (0..<150).map(Double.init))
        var worst = 0.0
        for n in 0..<150 {
            worst = max(worst, maxDiff(all[(n * 30)..<((n + 1) * 30)], m.field(at: Double(n))))
        }
        #expect(worst / m.peak < 1e-4, "relative error \(worst / m.peak)")
    }

    @Test func cosineGivesHalfAmplitude() throws {
        // A = 2 at bin 3 -> |S_3| = 1, constant 0.5 -> S_0 = 0.5.
        let N = 40
        var traj: [Float] = []
        for n in 0..<N {
            let x = 0.5 + 2 * cos(2 * Double.pi * 3 * Double(n) / Double(N))
            traj += [Float(x), Float(x)]
        }
        let v = try SpectralVolume(trajectories: traj, frames: N, width: 1, height: 1, frequencies: 5)
        #expect(abs(v.coefficient(k: 3, axis: 0, y: 0, x: 0).re - 1) < 1e-6)
        #expect(abs(v.coefficient(k: 0, axis: 1, y: 0, x: 0).re - 0.5) < 1e-6)
        #expect(abs(v.coefficient(k: 2, axis: 0, y: 0, x: 0).re) < 1e-6)
    }

    @Test(arguments: [(7, 3, 24, 5), (4, 5, 31, 16), (3, 2, 150, 16), (1, 1, 2, 1), (2, 3, 9, 5)])
    func pathsAgreeWithNaiveDFT(width: Int, height: Int, frames: Int, frequencies: Int) throws {
        var rng = SeededRandom(seed: UInt64(width * 1000 + frames))
        let cols = 2 * width * height
        let traj = (0..<(frames * cols)).map { _ in Float.random(in: -4...4, using: &rng) }
        let ref = naiveDFT(traj, frames: frames, columns: cols, frequencies: frequencies)
        let a = try SpectralVolume(trajectories: traj, frames: frames, width: width, height: height, frequencies: frequencies, method: .sgemm)
        let b = try SpectralVolume(trajectories: traj, frames: frames, width: width, height: height, frequencies: frequencies, method: .fftw)
        let fields = (0..<frames).map { Array(traj[($0 * cols)..<(($0 + 1) * cols)]) }
        let c = try SpectralVolume(fields: fields, width: width, height: height, frequencies: frequencies, method: .sgemm)
        let d = try SpectralVolume(fields: fields, width: width, height: height, frequencies: frequencies, method: .fftw)
        for v in [a, b, c, d] { #expect(maxDiff(v.data, ref) < 1e-5) }
        #expect(maxDiff(a.data, b.data) < 1e-5)
    }

    @Test func fftwHandlesPartialBlocksAndManyColumns() throws {
        // 2HW = 2*37*11 = 814 columns: three full 256-column blocks and a padded one.
        var rng = SeededRandom(seed: 9)
        let (w, h, n, k) = (37, 11, 20, 6)
        let traj = (0..<(n * 2 * w * h)).map { _ in Float.random(in: -1...1, using: &rng) }
        let a = try SpectralVolume(trajectories: traj, frames: n, width: w, height: h, frequencies: k, method: .sgemm)
        let b = try SpectralVolume(trajectories: traj, frames: n, width: w, height: h, frequencies: k, method: .fftw)
        #expect(maxDiff(a.data, b.data) < 1e-5)
        #expect(maxDiff(a.data, naiveDFT(traj, frames: n, columns: 2 * w * h, frequencies: k)) < 1e-5)
    }

    @Test func fractionalTimesMatchAnalyticSinusoid() throws {
        let m = SyntheticMotion(frames: 150, width: 2, height: 2, frequencies: 8, seed: 3)
        let v = try SpectralVolume(trajectories: m.trajectories, frames: 150, width: 2, height: 2, frequencies: 8)
        let times = [0.37, 12.5, 74.999, 149.9, -3.2, 1000.25, 1e6 + 0.125]
        let batch = v.fields(atFrames: times)
        for (i, t) in times.enumerated() {
            let want = m.field(at: t)
            #expect(maxDiff(batch[(i * 8)..<((i + 1) * 8)], want) / m.peak < 1e-4, "t=\(t)")
            #expect(maxDiff(v.field(atFrame: t), want) / m.peak < 1e-4, "single t=\(t)")
            #expect(maxDiff(v.field(atSeconds: t / 30), want) / m.peak < 1e-4, "seconds t=\(t)")
        }
        #expect(maxDiff(v.fields(atSeconds: times.map { $0 / 30 }), batch) < 1e-5)
    }

    @Test func accumulatorEqualsBatch() throws {
        var rng = SeededRandom(seed: 5)
        let (w, h, n, k) = (6, 5, 37, 16)  // 37 = two staged flushes of 16 plus 5
        let cols = 2 * w * h
        let traj = (0..<(n * cols)).map { _ in Float.random(in: -2...2, using: &rng) }
        var acc = try SpectralAccumulator(frames: n, width: w, height: h, frequencies: k, fps: 24, source: "acc")
        for i in 0..<n { try acc.add(Array(traj[(i * cols)..<((i + 1) * cols)])) }
        #expect(acc.count == n)
        let s = try acc.finish()
        let b = try SpectralVolume(trajectories: traj, frames: n, width: w, height: h, frequencies: k, fps: 24)
        #expect(maxDiff(s.data, b.data) < 1e-5)
        #expect(s.windowSeconds == Double(n) / 24 && s.source == "acc")
    }

    @Test func accumulatorRejectsMisuse() throws {
        var acc = try SpectralAccumulator(frames: 3, width: 2, height: 1, frequencies: 2)
        #expect(throws: GIDError.self) { try acc.add([1, 2, 3]) }
        try acc.add([1, 2, 3, 4])
        #expect(throws: GIDError.self) { try acc.finish() }
        try acc.add([1, 2, 3, 4]); try acc.add([1, 2, 3, 4])
        #expect(throws: GIDError.self) { try acc.add([1, 2, 3, 4]) }
        _ = try acc.finish()
    }

    @Test func rejectsBadSizes() {
        #expect(throws: GIDError.self) { try SpectralVolume(trajectories: [0, 0], frames: 1, width: 1, height: 1, frequencies: 2) }
        #expect(throws: GIDError.self) { try SpectralVolume(trajectories: [], frames: 150, width: 1, height: 1, frequencies: 76) }
        #expect(throws: GIDError.self) { try SpectralVolume(trajectories: [0], frames: 150, width: 1, height: 1) }
        #expect(throws: GIDError.self) { try SpectralVolume(frequencies: 0, width: 4, height: 4) }
    }

    @Test func normalizedVolumeEvaluatesInPixels() throws {
        let m = SyntheticMotion(frames: 30, width: 2, height: 1, frequencies: 4)
        let v = try SpectralVolume(trajectories: m.trajectories, frames: 30, width: 2, height: 1, frequencies: 4)
        let n = try v.normalized(with: NormalizationStats(volumes: [v]))
        #expect(maxDiff(n.field(atFrame: 2.5), v.field(atFrame: 2.5)) < 1e-4)
    }
}
