import Graph

/// How a scene plays back: how much slower than real time, and for how many periods.
///
/// The motion texture is periodic: f_k = k / T, so F(t + T) = F(t). Playing it `slowdown` times
/// slower makes the period slowdown * T seconds; the clip that `render` makes lasts `periods`
/// such periods, so its last frame flows into its first (the loop is seamless by construction).
/// `slowmo` multiplies `slowdown`; `loop` sets `periods`; `render` reads both.
public struct Timeline: Sendable, Equatable {
    /// Output seconds per texture second (slowmo factor N; 1 = real time, 4 = four times slower).
    public var slowdown: Double
    /// Whole periods in the output clip (1 = one period).
    public var periods: Int

    /// Real time, one period.
    public init(slowdown: Double = 1, periods: Int = 1) {
        self.slowdown = slowdown
        self.periods = periods
    }

    /// Allowed slowdown (checked when read from a file).
    public static let slowdownRange: ClosedRange<Double> = 1e-3...1e4
    /// Allowed number of periods.
    public static let periodsRange: ClosedRange<Int> = 1...100_000

    /// Output seconds of one period of a texture with window T seconds: slowdown * T.
    public func period(window: Double) -> Double { slowdown * window }

    /// Output seconds of the whole clip: periods * slowdown * T.
    public func duration(window: Double) -> Double { Double(periods) * period(window: window) }

    /// The whole number of periods nearest to `seconds` (at least 1), for a period of `period` s.
    public static func periods(toFill seconds: Double, period: Double) -> Int {
        guard period > 0, seconds.isFinite else { return 1 }
        let n = (seconds / period).rounded()
        return Int(min(max(n, 1), Double(periodsRange.upperBound)))
    }
}

/// Frame times for one rendered clip: how many frames, and where each samples the texture.
public struct RenderPlan: Sendable, Equatable {
    /// Output frames.
    public let frameCount: Int
    /// Output frame rate.
    public let fps: Double
    /// Texture frames (the volume's own time axis) advanced per output frame.
    public let step: Double

    /// A clip of `timeline.periods` whole periods: the step is adjusted (by less than half a frame
    /// over the clip) so that frameCount * step is exactly periods * N, and frame frameCount
    /// would coincide with frame 0 (the loop has no seam even when the period is fractional).
    public init(timeline: Timeline, volume: SpectralVolume, fps: Double) {
        let frames = max(1, Int((timeline.duration(window: volume.windowSeconds) * fps).rounded()))
        self.frameCount = frames
        self.fps = fps
        self.step = Double(timeline.periods) * volume.windowFrames / Double(frames)
    }

    /// A clip of exactly `seconds` (not rounded to periods; it loops only if the user chose so).
    public init(seconds: Double, timeline: Timeline, volume: SpectralVolume, fps: Double) {
        self.frameCount = max(1, Int((seconds * fps).rounded()))
        self.fps = fps
        // Output frame i is at i / fps seconds, which is i / (fps * slowdown) texture seconds.
        self.step = volume.fps / (fps * timeline.slowdown)
    }

    /// Texture time in frames of output frame i.
    public func textureFrame(_ i: Int) -> Double { Double(i) * step }

    /// Output duration in seconds.
    public var duration: Double { Double(frameCount) / fps }
}

extension Scene {
    /// The clip `render` makes by default: the scene's timeline at the volume's frame rate.
    public var defaultPlan: RenderPlan { plan(fps: volume.fps) }

    /// The scene's clip at `fps`: whole periods of the texture, or, for a poked scene, the
    /// dynamics' seconds (times any slowmo), which need not loop.
    public func plan(fps: Double) -> RenderPlan {
        if let d = dynamics {
            return RenderPlan(seconds: d.seconds * timeline.slowdown, timeline: timeline, volume: volume, fps: fps)
        }
        return RenderPlan(timeline: timeline, volume: volume, fps: fps)
    }
}
