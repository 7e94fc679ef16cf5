import Graph

/// Settings of the DIS estimator (Kroeger et al. 2016) with variational refinement.
///
/// The presets follow OpenCV's DIS presets for the patch search (`medium` with fewer iterations,
/// see below); `medium` adds one refinement at full resolution, `best` solves the full-resolution
/// level. Figures for each are in Benchmarks/flow/README.md.
public struct FlowParameters: Sendable, Equatable {
    /// Finest pyramid level solved (0 = full resolution; the result is upsampled from it).
    public var finestLevel: Int
    /// Side of the square patches matched by inverse search.
    public var patchSize: Int
    /// Distance between neighbouring patch origins (overlap = patchSize - patchStride).
    public var patchStride: Int
    /// Gauss-Newton iterations per patch, split over the forward and backward sweeps.
    public var gradientIterations: Int
    /// Fixed-point iterations of the variational refinement per level (0 = none).
    public var refinementIterations: Int
    /// Fixed-point iterations of a last refinement at full resolution when `finestLevel` > 0.
    public var fullResolutionIterations: Int
    /// SOR sweeps per fixed-point iteration.
    public var sorIterations: Int
    /// Smoothness weight of the refinement.
    public var alpha: Float
    /// Gradient-constancy weight of the refinement.
    public var gamma: Float
    /// Brightness-constancy weight of the refinement.
    public var delta: Float
    /// Subtract each patch's mean difference (robust to lighting change).
    public var meanNormalization: Bool
    /// Try the neighbours' vectors before descending (DIS's spatial propagation).
    public var spatialPropagation: Bool

    /// Every field given explicitly.
    public init(finestLevel: Int, patchSize: Int = 8, patchStride: Int, gradientIterations: Int,
                refinementIterations: Int, fullResolutionIterations: Int = 0, sorIterations: Int = 5, alpha: Float = 20, gamma: Float = 10,
                delta: Float = 5, meanNormalization: Bool = true, spatialPropagation: Bool = true) {
        self.finestLevel = finestLevel
        self.patchSize = patchSize
        self.patchStride = patchStride
        self.gradientIterations = gradientIterations
        self.refinementIterations = refinementIterations
        self.fullResolutionIterations = fullResolutionIterations
        self.sorIterations = sorIterations
        self.alpha = alpha
        self.gamma = gamma
        self.delta = delta
        self.meanNormalization = meanNormalization
        self.spatialPropagation = spatialPropagation
    }

    /// A named preset.
    public init(_ preset: FlowPreset) {
        switch preset {
        case .fast:
            self.init(finestLevel: 2, patchStride: 4, gradientIterations: 16, refinementIterations: 5)
        case .medium:
            // OpenCV's medium search grid (scale 1, patch 8, stride 3) with one Gauss-Newton step
            // per sweep (2, not 25) and 2 refinement iterations per level (not 5); the
            // full-resolution pass does the rest. Swept on Grove3 (2026-11-25): 16 -> 2 Gauss-Newton
            // iterations EPE 0.839 -> 0.835, 4 -> 2 refinement iterations ~2 ms less; about 20%
            // less time than 16/4 (stride 4: EPE 0.855; no full-resolution pass: 0.86-0.87).
            self.init(finestLevel: 1, patchStride: 3, gradientIterations: 2, refinementIterations: 2,
                      fullResolutionIterations: 1)
        case .best:
            self.init(finestLevel: 0, patchStride: 3, gradientIterations: 25, refinementIterations: 5)
        }
    }

    /// Checks the values are usable; messages name the field.
    func validate() throws {
        guard patchSize >= 4, patchSize <= 32, patchSize % 4 == 0 else {
            throw GIDError.usage("flow: patch size \(patchSize) must be a multiple of 4 in 4...32")
        }
        guard patchStride >= 1, patchStride <= patchSize else {
            throw GIDError.usage("flow: patch stride \(patchStride) must be in 1...\(patchSize)")
        }
        guard finestLevel >= 0, gradientIterations >= 1, refinementIterations >= 0, fullResolutionIterations >= 0, sorIterations >= 1 else {
            throw GIDError.usage("flow: levels and iteration counts must be non-negative (gradient iterations >= 1)")
        }
    }
}

/// Named speed/accuracy trade-offs of the estimator.
public enum FlowPreset: String, Sendable, CaseIterable {
    /// Quarter-resolution finest level: for previews and long clips.
    case fast
    /// Half-resolution patch search (OpenCV DIS "medium" grid, fewer iterations) plus one refinement at full resolution.
    case medium
    /// Full-resolution finest level.
    case best
}
