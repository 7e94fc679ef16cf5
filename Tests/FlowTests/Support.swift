import Flow
import Foundation
import Graph
import MediaIO

/// Paths and pictures shared by the flow tests.
enum Fixtures {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let middlebury = repo.appendingPathComponent("../shared/data/flow/middlebury").standardized.path
    static var hasMiddlebury: Bool {
        FileManager.default.fileExists(atPath: middlebury + "/Grove3_flow10.flo")
    }
    static let still = repo.appendingPathComponent("Samples/stills/bythewater.jpg").path

    /// The first picture of a file as luma. Grey sources go through rgb24 first (swscale 5.1's
    /// gray -> gbrpf32le path is wrong, see Pictures.rgb in MediaIO).
    static func gray(_ path: String) throws -> GrayImage {
        let reader = try MediaReader(path: path)
        guard let frame = try reader.nextFrame() else { throw GIDError.input("\(path): empty") }
        if case .native(let p) = frame.content, p.pixelFormatName.hasPrefix("gray") {
            let graph = try LavfiGraph("format=rgb24", width: p.width, height: p.height, inputFormat: p.pixelFormatName,
                                       timeBase: frame.timeBase, frameRate: nil, outputFormats: ["rgb24"])
            guard let out = try graph.process(frame).first else { throw GIDError.internal("no frame") }
            return GrayImage(try out.rgb())
        }
        return GrayImage(try frame.rgb())
    }

    /// The sample still at half size (384x240): real texture, quick in debug builds.
    static func smallStill() throws -> GrayImage {
        halve(try gray(still))
    }

    static func halve(_ g: GrayImage) -> GrayImage {
        let w = g.width / 2, h = g.height / 2
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = 2 * y * g.width + 2 * x
                out[y * w + x] = 0.25 * (g.data[i] + g.data[i + 1] + g.data[i + g.width] + g.data[i + g.width + 1])
            }
        }
        return GrayImage(width: w, height: h, data: out)
    }

    /// A picture of uniform random colours in 0..<1, the same for the same seed.
    static func noise(width: Int, height: Int, seed: UInt32) -> RGBImage {
        var state = seed
        return RGBImage(width: width, height: height, data: (0..<(3 * width * height)).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 24)
        })
    }

    /// Bilinear read with clamped coordinates.
    static func sample(_ g: GrayImage, _ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(g.width - 1)), cy = min(max(y, 0), Float(g.height - 1))
        let x0 = min(Int(cx), g.width - 2), y0 = min(Int(cy), g.height - 2)
        let ax = cx - Float(x0), ay = cy - Float(y0)
        let i = y0 * g.width + x0
        let top = g.data[i] + ax * (g.data[i + 1] - g.data[i])
        let bottom = g.data[i + g.width] + ax * (g.data[i + g.width + 1] - g.data[i + g.width])
        return top + ay * (bottom - top)
    }

    /// A smooth field g(x, y) of up to `amplitude` pixels (a few sinusoids across the picture).
    static func smoothField(width w: Int, height h: Int, amplitude: Float) -> FlowField {
        var d = [Float](repeating: 0, count: 2 * w * h)
        for y in 0..<h {
            for x in 0..<w {
                let fx = Float(x) / Float(w), fy = Float(y) / Float(h)
                d[y * w + x] = amplitude * (0.6 * sin(2 * .pi * (fx + 0.3 * fy)) + 0.4 * cos(2 * .pi * fy))
                d[w * h + y * w + x] = amplitude * (0.5 * cos(2 * .pi * (0.7 * fx - fy)) + 0.3)
            }
        }
        return FlowField(width: w, height: h, data: d)
    }

    /// I1(y) = I0(y - g(y)), and the exact flow f from I0 to I1 (x + f(x) = y with y - g(y) = x:
    /// f(x) = g(x + f(x)), solved by fixed-point iteration).
    static func warped(_ i0: GrayImage, by g: FlowField) -> (GrayImage, FlowField) {
        let w = i0.width, h = i0.height, n = w * h
        var i1 = [Float](repeating: 0, count: n)
        for y in 0..<h {
            for x in 0..<w { i1[y * w + x] = sample(i0, Float(x) - g.data[y * w + x], Float(y) - g.data[n + y * w + x]) }
        }
        let gu = GrayImage(width: w, height: h, data: Array(g.data[0..<n]))
        let gv = GrayImage(width: w, height: h, data: Array(g.data[n...]))
        var f = g.data
        for _ in 0..<8 {
            for y in 0..<h {
                for x in 0..<w {
                    let tx = Float(x) + f[y * w + x], ty = Float(y) + f[n + y * w + x]
                    f[y * w + x] = sample(gu, tx, ty)
                    f[n + y * w + x] = sample(gv, tx, ty)
                }
            }
        }
        return (GrayImage(width: w, height: h, data: i1), FlowField(width: w, height: h, data: f))
    }

    /// Pixels at least `margin` from the border.
    static func interior(width w: Int, height h: Int, margin: Int) -> [Bool] {
        (0..<(w * h)).map { i in
            let x = i % w, y = i / w
            return x >= margin && y >= margin && x < w - margin && y < h - margin
        }
    }
}
