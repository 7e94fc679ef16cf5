/// Rendering presets for `SplatRenderer`, from fastest to cleanest.
public enum RenderQuality: String, CaseIterable, Sendable {
    /// Single-scale bilinear softmax splat (of the motion; I0 is then sampled with a cubic
    /// B-spline), then push-pull hole filling.
    case fast
    /// `fast` plus 2x2 sub-sampling of stretched sources (no cracks where motion expands the
    /// picture) and a push-pull that prefers the background in holes up to ~8 px across
    /// (disocclusions beside a moving edge fill from the background, not with a ramp into the
    /// foreground that uncovered them; larger holes take the plain fill, see
    /// `SplatRenderer.backgroundPreferenceLevels`).
    case best

    /// The preset's resampling kernel: fast samples I0 with a cubic B-spline, best with a quintic one.
    public var kernel: ResampleKernel {
        switch self {
        case .fast: .cubic
        case .best: .quintic
        }
    }
}
