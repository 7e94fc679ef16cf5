import Dispatch
import Foundation
import Graph
import Render
import SpectralVolume

/// Render speed for `gid-filter bench --spectral`.
public enum RenderFilterBenchmark {
    /// Renders `frames` frames of a synthetic scene (K=16, waves across the picture) and returns
    /// one line per quality: the whole render (fields + splatting) and the splatting alone.
    public static func run(width: Int = 512, height: Int = 288, frames: Int = 60) throws -> String {
        var volume = try SpectralVolume(width: width, height: height)
        for k in 1..<volume.frequencies {
            for y in 0..<height {
                for x in 0..<width {
                    let phase = Float(x + 2 * y) * 0.02 * Float(k)
                    volume.setCoefficient(k: k, axis: 0, y: y, x: x, (2 * cos(phase) / Float(k), sin(phase) / Float(k)))
                    volume.setCoefficient(k: k, axis: 1, y: y, x: x, (sin(phase) / Float(k), 0))
                }
            }
        }
        let pixels = (0..<(3 * width * height)).map { Float($0 % 251) / 250 }
        let scene = try Scene(image: RGBImage(width: width, height: height, data: pixels), volume: volume)
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let plan = RenderPlan(seconds: Double(frames) / volume.fps, timeline: Timeline(), volume: volume, fps: volume.fps)
        let field = volume.field(atFrame: 7.5)
        var lines = ["render \(width)x\(height), K=\(volume.frequencies), \(frames) frames (softmax splatting, 2 threads)"]
        for quality in RenderQuality.allCases {
            let renderer = try SceneRenderer(scene: scene, quality: quality, alpha: 2)
            var count = 0
            let total = try seconds { try renderer.render(plan) { _ in count += 1 } }
            let splat = seconds {
                field.withUnsafeBufferPointer { f in for _ in 0..<frames { _ = renderer.synthesize(field: f) } }
            }
            lines.append(String(format: "quality=%@: render (fields + splat) %.1f frames/s, splat alone %.1f frames/s",
                                quality.rawValue, Double(count) / total, Double(frames) / splat))
        }
        return lines.joined(separator: "\n")
    }
}
