import Foundation
import Graph

/// Dense coarse-to-fine optical flow: DIS patch inverse search + densification + variational
/// refinement on each pyramid level (Kroeger et al., ECCV 2016).
///
/// Holds its pyramid and scratch buffers between calls, so a stream of same-sized pairs
/// allocates only the returned fields. Not thread-safe: use one instance per thread (each call
/// already uses all cores).
public final class OpticalFlow {
    /// The settings in use.
    public let parameters: FlowParameters

    /// Replicated border around I1 for the patch reads (as DIS: 16 pixels).
    static let border = 16

    /// One pyramid level's pictures and flow.
    final class Level {
        var width = 0, height = 0
        let i0 = Plane(), i1 = Plane(), i1Padded = Plane(), gradX = Plane(), gradY = Plane()
        let u = Plane(), v = Plane(), hintU = Plane(), hintV = Plane()
    }

    private var levels: [Level] = []
    private let sparseU = Plane(), sparseV = Plane()
    private let hxx = Plane(), hyy = Plane(), hxy = Plane(), sumX = Plane(), sumY = Plane()
    private let sumU = Plane(), sumV = Plane(), sumW = Plane()
    private let refinement = VariationalRefinement()

    /// An estimator with explicit settings (checked: a bad value is a usage error).
    public convenience init(parameters: FlowParameters) throws {
        try parameters.validate()
        self.init(checked: parameters)
    }

    /// An estimator with a named preset.
    public convenience init(preset: FlowPreset = .medium) {
        self.init(checked: FlowParameters(preset))  // presets are valid by construction
    }

    private init(checked parameters: FlowParameters) {
        self.parameters = parameters
    }

    /// Flow from `first` to `second` (same size): `second(x + u, y + v) ~ first(x, y)`.
    ///
    /// `hint`, if given (e.g. the flow of the previous frame pair), is tried as a candidate at
    /// every patch of every level, which helps with motion larger than the pyramid can find.
    public func compute(from first: GrayImage, to second: GrayImage, hint: FlowField? = nil) throws -> FlowField {
        guard first.width == second.width, first.height == second.height else {
            throw GIDError.usage("flow: frames differ in size (\(first.width)x\(first.height) vs \(second.width)x\(second.height))")
        }
        let p = parameters
        guard first.width >= p.patchSize, first.height >= p.patchSize else {
            throw GIDError.usage("flow: \(first.width)x\(first.height) is smaller than one \(p.patchSize)x\(p.patchSize) patch")
        }
        if let hint, hint.width != first.width || hint.height != first.height {
            throw GIDError.usage("flow: hint field is \(hint.width)x\(hint.height), frames are \(first.width)x\(first.height)")
        }
        let (finest, coarsest) = levelRange(width: first.width, height: first.height)
        buildPyramid(first, second, finest: finest, coarsest: coarsest, hint: hint)

        let top = levels[coarsest]
        top.u.fill(0, count: top.width * top.height)
        top.v.fill(0, count: top.width * top.height)
        for l in stride(from: coarsest, through: finest, by: -1) {
            let level = levels[l]
            solve(level, hasHint: hint != nil)
            if l > finest {
                let next = levels[l - 1]
                PyramidKernels.resize(level.u.pointer, width: level.width, height: level.height,
                                      into: next.u.pointer, width: next.width, height: next.height, scale: 2)
                PyramidKernels.resize(level.v.pointer, width: level.width, height: level.height,
                                      into: next.v.pointer, width: next.width, height: next.height, scale: 2)
            }
        }
        let w = first.width, h = first.height, n = w * h
        var out = [Float](repeating: 0, count: 2 * n)
        let level = levels[finest]
        let scale = Float(1 << finest)
        out.withUnsafeMutableBufferPointer { o in
            let base = o.baseAddress!
            if finest == 0 {
                base.update(from: level.u.pointer, count: n)
                (base + n).update(from: level.v.pointer, count: n)
            } else {
                PyramidKernels.resize(level.u.pointer, width: level.width, height: level.height,
                                      into: base, width: w, height: h, scale: scale)
                PyramidKernels.resize(level.v.pointer, width: level.width, height: level.height,
                                      into: base + n, width: w, height: h, scale: scale)
                if p.fullResolutionIterations > 0 {
                    let full = levels[0]
                    refinement.refine(i0: full.i0.pointer, i1: full.i1.pointer, flowU: base, flowV: base + n,
                                      width: w, height: h, parameters: p, iterations: p.fullResolutionIterations)
                }
            }
        }
        return FlowField(width: w, height: h, data: out)
    }

    /// Flow between two float RGB pictures (compared as luma).
    public func compute(from first: RGBImage, to second: RGBImage, hint: FlowField? = nil) throws -> FlowField {
        try compute(from: GrayImage(first), to: GrayImage(second), hint: hint)
    }

    /// Finest and coarsest levels for a picture: the coarsest puts a quarter of the larger side
    /// within a few patches (DIS's rule) while keeping at least one patch per side.
    func levelRange(width: Int, height: Int) -> (Int, Int) {
        let psz = Double(parameters.patchSize)
        let byMotion = Int(log2(Double(max(width, height)) / (4 * psz)) + 0.5)
        let byPatch = Int(log2(Double(min(width, height)) / psz))
        let coarsest = max(0, min(byMotion, byPatch))
        return (min(parameters.finestLevel, coarsest), coarsest)
    }

    private func buildPyramid(_ a: GrayImage, _ b: GrayImage, finest: Int, coarsest: Int, hint: FlowField?) {
        while levels.count <= coarsest { levels.append(Level()) }
        var w = a.width, h = a.height
        for l in 0...coarsest {
            let level = levels[l]
            if l > 0 { w /= 2; h /= 2 }
            level.width = w
            level.height = h
            let n = w * h
            for plane in [level.i0, level.i1, level.gradX, level.gradY, level.u, level.v] { plane.reserve(n) }
            if l == 0 {
                a.data.withUnsafeBufferPointer { level.i0.pointer.update(from: $0.baseAddress!, count: n) }
                b.data.withUnsafeBufferPointer { level.i1.pointer.update(from: $0.baseAddress!, count: n) }
            } else {
                let up = levels[l - 1]
                PyramidKernels.halve(up.i0.pointer, width: up.width, height: up.height, into: level.i0.pointer)
                PyramidKernels.halve(up.i1.pointer, width: up.width, height: up.height, into: level.i1.pointer)
            }
            guard l >= finest else { continue }
            let b = Self.border
            level.i1Padded.reserve((w + 2 * b) * (h + 2 * b))
            PyramidKernels.pad(level.i1.pointer, width: w, height: h, border: b, into: level.i1Padded.pointer)
            PyramidKernels.sobel(level.i0.pointer, width: w, height: h, dx: level.gradX.pointer, dy: level.gradY.pointer)
            if let hint {
                level.hintU.reserve(n)
                level.hintV.reserve(n)
                let s = Float(1) / Float(1 << l)
                hint.data.withUnsafeBufferPointer { src in
                    PyramidKernels.resize(src.baseAddress!, width: hint.width, height: hint.height,
                                          into: level.hintU.pointer, width: w, height: h, scale: s)
                    PyramidKernels.resize(src.baseAddress! + hint.planeSize, width: hint.width, height: hint.height,
                                          into: level.hintV.pointer, width: w, height: h, scale: s)
                }
            }
        }
    }

    /// Search, densify and refine one level in place (level.u/v: in = initial, out = result).
    private func solve(_ level: Level, hasHint: Bool) {
        let p = parameters
        let grid = (1 + (level.width - p.patchSize) / p.patchStride) * (1 + (level.height - p.patchSize) / p.patchStride)
        for plane in [sparseU, sparseV, hxx, hyy, hxy, sumX, sumY] { plane.reserve(grid) }
        let search = PatchSearch(
            i0: level.i0.pointer, gradX: level.gradX.pointer, gradY: level.gradY.pointer, i1: level.i1Padded.pointer,
            initU: level.u.pointer, initV: level.v.pointer,
            hintU: hasHint ? UnsafePointer(level.hintU.pointer) : nil,
            hintV: hasHint ? UnsafePointer(level.hintV.pointer) : nil,
            sparseU: sparseU.pointer, sparseV: sparseV.pointer,
            hxx: hxx.pointer, hyy: hyy.pointer, hxy: hxy.pointer, sumX: sumX.pointer, sumY: sumY.pointer,
            width: level.width, height: level.height, border: Self.border, patch: p.patchSize, stride: p.patchStride,
            iterations: p.gradientIterations, meanNormalization: p.meanNormalization, propagation: p.spatialPropagation)
        search.run()
        let n = level.width * level.height
        for plane in [sumU, sumV, sumW] { plane.reserve(n) }
        Densify(i0: level.i0.pointer, i1Padded: level.i1Padded.pointer, sparseU: sparseU.pointer, sparseV: sparseV.pointer,
                sumU: sumU.pointer, sumV: sumV.pointer, sumW: sumW.pointer,
                denseU: level.u.pointer, denseV: level.v.pointer, width: level.width, height: level.height,
                border: Self.border, patch: p.patchSize, stride: p.patchStride).run()
        refinement.refine(i0: level.i0.pointer, i1: level.i1.pointer, flowU: level.u.pointer, flowV: level.v.pointer,
                          width: level.width, height: level.height, parameters: p, iterations: p.refinementIterations)
    }
}
