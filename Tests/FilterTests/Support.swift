import Foundation
import Graph
import LoopFilter
import MagnifyFilter
import MediaIO
import MotionFilter
import MotionSaveFilter
import RenderFilter
import SlowmoFilter
import SpectralVolume
import Testing
import VizFilter

/// The package root (Samples/ lives there).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The motion filters with the CLI's automatic render, without the CLI.
let testRegistry = FilterRegistry([
    FilterDescriptor(LoopFilter.self), FilterDescriptor(MagnifyFilter.self), FilterDescriptor(MotionFilter.self),
    FilterDescriptor(MotionSaveFilter.self), FilterDescriptor(RenderFilter.self), FilterDescriptor(SlowmoFilter.self),
    FilterDescriptor(VizFilter.self),
], conversion: { from, to in from == .motion && to == .frames ? ParsedFilter(name: "render") : nil })

/// A real picture: Samples/stills/bythewater.jpg decoded by MediaIO and resampled to width x height.
func samplePicture(width: Int, height: Int) throws -> RGBImage {
    let reader = try MediaReader(path: packageRoot.appendingPathComponent("Samples/stills/bythewater.jpg").path)
    guard let frame = try reader.nextFrame() else { throw GIDError.input("sample still has no frame") }
    return try frame.rgb().resized(width: width, height: height)
}

/// Ripples on the sample's lake: K-1 travelling waves whose amplitude falls off with frequency
/// as the paper's Fig. 2 measured, strongest in the water band (rows 26%..42%), faint in the sky.
func waveScene(width: Int = 96, height: Int = 60, frequencies K: Int = 16, amplitude: Float = 1.6) throws -> Scene {
    var v = try SpectralVolume(frequencies: K, width: width, height: height)
    for y in 0..<height {
        let yf = Float(y) / Float(height)
        let water = yf < 0.45 ? pow(max(0, 1 - abs((yf - 0.34) / 0.09)), 0.7) : 0
        let mask = water + (yf < 0.22 ? 0.25 : 0)
        guard mask > 0 else { continue }
        for x in 0..<width {
            for k in 1..<K {
                let a = amplitude * exp(-Float(k - 1) / 2.5) * mask
                let phase = 2 * Float.pi * 0.37 * Float(k) + 0.045 * Float(k * x) * 384 / Float(width) + 0.12 * Float(y) * 240 / Float(height)
                v.setCoefficient(k: k, axis: 0, y: y, x: x, (a * cos(phase), a * sin(phase)))
                v.setCoefficient(k: k, axis: 1, y: y, x: x, (0.4 * a * cos(phase + 1), 0.4 * a * sin(phase + 1)))
            }
        }
    }
    return try Scene(image: samplePicture(width: width, height: height), volume: v)
}

/// Runs `graph` on one scene and returns everything that comes out, plus the chain's announced output.
func run(_ graph: String, on scene: Scene) throws -> (items: [StreamItem], info: StreamInfo) {
    let chain = try FilterChain(registry: testRegistry, graph: graph, input: .motion(scene, source: "test"))
    var items: [StreamItem] = []
    try chain.push(.motion(scene)) { items.append($0) }
    try chain.finish { items.append($0) }
    return (items, chain.output)
}

/// The scenes among `items`.
func scenes(_ items: [StreamItem]) throws -> [Scene] {
    try items.map { try $0.scene(for: "test") }
}

/// The pictures among `items`.
func pictures(_ items: [StreamItem]) throws -> [RGBImage] {
    try items.map { item in
        guard case .frame(let f) = item else { throw GIDError.internal("expected a frame") }
        return try f.rgb()
    }
}

/// Largest absolute difference of two float arrays.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Standard deviation of every value (a blank picture has 0).
func spread(_ values: [Float]) -> Double {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    return (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)).squareRoot()
}

/// A fresh empty folder.
func temporaryFolder() throws -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("gid-filtertest-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}
