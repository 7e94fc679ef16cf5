import Graph

extension StreamInfo {
    /// What a motion stream carrying `scene` announces: the scene's size and frame rate, and the
    /// clip `render` would make by default (duration and frame count, from the timeline).
    public static func motion(_ scene: Scene, source: String) -> StreamInfo {
        let plan = scene.defaultPlan
        let rate = Rational(approximating: scene.volume.fps)
        // A pull or a breeze plays once; the texture loops.
        return StreamInfo(kind: .motion, width: scene.width, height: scene.height, timeBase: rate.inverted,
                          frameRate: rate, frameCount: plan.frameCount, duration: plan.duration,
                          isStill: false, source: source, loops: scene.dynamics == nil)
    }

    /// The same stream played once: not a loop (a pull's ring-down, a breeze).
    public func once() -> StreamInfo {
        var out = self
        out.loops = false
        return out
    }

    /// A motion stream's info with its clip scaled to `seconds` (the frame count follows).
    public func withClip(seconds: Double?) -> StreamInfo {
        var out = self
        out.duration = seconds
        if let seconds, let rate = frameRate?.value, rate > 0 {
            out.frameCount = (seconds * rate).clampedInt(1...Int(Int32.max))
        } else {
            out.frameCount = nil
        }
        return out
    }
}

extension StreamItem {
    /// The scene this item carries, or a usage error naming `filter` (frames, or a foreign motion type).
    public func scene(for filter: String) throws -> Scene {
        guard case .motion(let item) = self else {
            throw GIDError.usage("\(filter): takes motion, got frames")
        }
        guard let scene = item as? Scene else {
            throw GIDError.internal("\(filter): motion item of unknown type \(type(of: item))")
        }
        return scene
    }
}
