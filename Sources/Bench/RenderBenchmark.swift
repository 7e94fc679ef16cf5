import Foundation
import Graph
import Render
import SpectralVolume

/// Timings for issue 6's figures: both presets and the backward-warp peer at 512x288, K = 16.
public enum RenderBenchmark {
    /// Renders `frames` fields of a synthetic K = 16 scene `runs` times per renderer and returns
    /// one line per measurement (frames/s as median and best of the runs, and ratios to the peer).
    public static func run(width: Int = 512, height: Int = 288, frames: Int = 30, runs: Int = 5,
                           threads: Int = 2) -> String {
        guard let scene = try? syntheticScene(width: width, height: height) else {
            return "render benchmark: could not build the synthetic scene"
        }
        let (image, volume) = scene
        let times = (0..<frames).map { Double($0) * volume.windowFrames / Double(frames) }
        let plane = 2 * width * height
        var fields = [Float](repeating: 0, count: frames * plane)
        let tEval = seconds { fields.withUnsafeMutableBufferPointer { volume.evaluate(atFrames: times, into: $0) } }
        var tW = 0.0
        var weights: [Float] = []
        tW = seconds { weights = MotionWeights.compute(volume: volume) }

        var lines = ["render \(width)x\(height), K=\(volume.frequencies), \(frames) fields, \(threads) threads, \(runs) runs (median / best frames/s)"]
        func fps(_ body: (Int) -> Void) -> (median: Double, best: Double) {
            var rates: [Double] = []
            for _ in 0..<max(1, runs) {
                let t = seconds { for f in 0..<frames { body(f) } }
                rates.append(Double(frames) / t)
            }
            rates.sort()
            return (rates[rates.count / 2], rates[rates.count - 1])
        }
        func fmt(_ x: Double) -> String { String(format: "%.0f", x) }

        let peer = fps { f in
            _ = BackwardWarp.warp(image, field: Array(fields[(f * plane)..<((f + 1) * plane)]), weights: weights)
        }
        lines.append("backward warp (peer): \(fmt(peer.median)) / \(fmt(peer.best))")
        for (quality, target) in [(RenderQuality.fast, 200.0), (.best, 60.0)] {
            for t in Set([1, threads]).sorted() {
                let renderer = SplatRenderer(width: width, height: height, quality: quality, threads: t)
                var out = RGBImage(width: width, height: height)
                let r = fields.withUnsafeBufferPointer { all in
                    fps { f in
                        renderer.render(image, field: UnsafeBufferPointer(rebasing: all[(f * plane)..<((f + 1) * plane)]),
                                        weights: weights, into: &out)
                    }
                }
                let verdict = t == threads ? ", target >= \(fmt(target)): \(r.median >= target ? "met" : "NOT met")" : ""
                lines.append("splat \(quality.rawValue), \(t) thread(s): \(fmt(r.median)) / \(fmt(r.best)) "
                             + "(\(String(format: "%.2f", r.median / peer.median))x peer\(verdict)); "
                             + "holes before fill \(renderer.lastHoleCount), partial \(renderer.lastPartialCount)")
            }
        }
        lines.append(String(format: "F_t evaluation (one sgemm for %d fields): %.2f ms/field; W from 32 samples: %.1f ms once per scene",
                            frames, 1000 * tEval / Double(frames), 1000 * tW))
        return lines.joined(separator: "\n")
    }

    /// A textured picture and a K = 16 volume with swaying foreground blobs over a nearly still
    /// background: sharp motion borders (disocclusions) and smooth stretching inside the blobs.
    public static func syntheticScene(width: Int, height: Int) throws -> (RGBImage, SpectralVolume) {
        let n = width * height
        var rgb = [Float](repeating: 0, count: 3 * n)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let noise = Float(state >> 40) / Float(1 << 24) - 0.5
                let fx = Float(x), fy = Float(y)
                rgb[y * width + x] = 0.5 + 0.3 * sinf(fx * 0.11 + 0.7 * sinf(fy * 0.05)) + 0.1 * noise
                rgb[n + y * width + x] = 0.5 + 0.3 * cosf(fy * 0.13 + fx * 0.02) + 0.1 * noise
                rgb[2 * n + y * width + x] = 0.5 + 0.25 * sinf((fx + fy) * 0.07) - 0.1 * noise
            }
        }
        let k = SpectralVolume.defaultFrequencies
        var volume = try SpectralVolume(frequencies: k, width: width, height: height, source: "synthetic")
        let part = volume.partSize
        // Blobs (centre x, centre y, radius as fractions; amplitude in pixels).
        let blobs: [(Float, Float, Float, Float)] = [(0.25, 0.45, 0.18, 6), (0.65, 0.35, 0.15, 4), (0.8, 0.75, 0.12, 8)]
        for y in 0..<height {
            for x in 0..<width {
                var amp: Float = 0.3
                for (cx, cy, r, a) in blobs
                where hypotf(Float(x) / Float(width) - cx, (Float(y) / Float(height) - cy) * 0.56) < r {
                    amp = max(amp, a)
                }
                let phase = Float(x) * 0.02 + Float(y) * 0.01
                for kk in 1..<k {
                    let ak = amp / Float(kk * kk) * 0.5
                    let ph = phase * Float(kk) + Float(kk)
                    for axis in 0..<2 {
                        let i = volume.index(k: kk, axis: axis, y: y, x: x)
                        let s: Float = axis == 0 ? 1 : 0.4
                        volume.data[i] = s * ak * cosf(ph)
                        volume.data[part + i] = s * ak * sinf(ph)
                    }
                }
            }
        }
        return (RGBImage(width: width, height: height, data: rgb), volume)
    }

    private static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
