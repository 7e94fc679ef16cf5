/// Rendering presets for `SplatRenderer`, from fastest to cleanest.
public enum RenderQuality: String, CaseIterable, Sendable {
    /// Single-scale bilinear softmax splat, then push-pull hole filling.
    case fast
    /// `fast` plus 2x2 sub-sampling of stretched sources (no cracks where motion expands the
    /// picture) and a push-pull that prefers the background in holes up to ~8 px across
    /// (disocclusions beside a moving edge fill from the background, not with a ramp into the
    /// foreground that uncovered them; larger holes take the plain fill, see
    /// `SplatRenderer.backgroundPreferenceLevels`).
    case best
}
