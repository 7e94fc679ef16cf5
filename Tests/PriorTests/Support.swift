import Foundation
@testable import Prior

/// Paths of the checkout and comparison helpers shared by the prior's tests.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static let tinyModel = path("Training/tests/fixtures/gid-prior-tiny.safetensors")
    static let tinyGolden = path("Training/tests/fixtures/gid-prior-tiny.golden.safetensors")
    static let diffusionModel = path("Models/gid-prior-diffusion.safetensors")
    static let defaultModel = path("Models/gid-prior-default.safetensors")
    static let diffusionGolden = path("Models/gid-prior-diffusion.golden.safetensors")
    static let defaultGolden = path("Models/gid-prior-default.golden.safetensors")
    static let resampleGolden = path("Tests/PriorTests/Fixtures/resample-golden.safetensors")

    /// max |a - b| over max |b| (the reference's scale; at least 1e-6).
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "compare: \(a.count) and \(b.count) values")
        var diff: Float = 0, scale: Float = 1e-6
        for i in a.indices {
            diff = max(diff, abs(a[i] - b[i]))
            scale = max(scale, abs(b[i]))
        }
        return a.allSatisfy(\.isFinite) ? diff / scale : .infinity
    }

    /// Slices `which` of a (n, sliceSize) array.
    static func slices(_ v: [Float], sliceSize: Int, _ which: [Int]) -> [Float] {
        which.flatMap { v[($0 * sliceSize)..<(($0 + 1) * sliceSize)] }
    }
}
