/// Rendering presets for `SplatRenderer`, from fastest to cleanest.
public enum RenderQuality: String, CaseIterable, Sendable {
    /// Single-scale bilinear softmax splat, then push-pull hole filling.
    case fast
    /// `fast` plus 2x2 sub-sampling of stretched sources (no cracks where motion expands the
    /// picture) and a background-preferring push-pull (disocclusions fill from the background,
    /// not with a ramp into the foreground that uncovered them).
    case best
}
