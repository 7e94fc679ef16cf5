import Graph

/// How a scene plays back: how much slower than real time, and for how long.
///
/// The motion texture is periodic: f_k = k / T, so F(t + T) = F(t). Playing it `slowdown` times
/// slower makes the period slowdown * T seconds. The clip that `render` makes lasts either
/// `periods` such periods, or exactly `seconds` (`loop=seconds=S`): then each term's frequency
/// is moved to the nearest whole number of cycles over the clip (at least one), so the clip
/// loops whatever its length (see `RenderPlan`). Either way the last frame flows into the first.
/// `slowmo` multiplies `slowdown` (and `seconds`); `loop` sets `periods` or `seconds`; `render`
/// reads them.
public struct Timeline: Sendable, Equatable {
    /// Output seconds per texture second (slowmo factor N; 1 = real time, 4 = four times slower).
    public var slowdown: Double
    /// Whole periods in the output clip (1 = one period); unused when `seconds` is set.
    public var periods: Int
    /// An exact clip length in output seconds, or nil for whole periods.
    public var seconds: Double?

    /// Real time, one period.
    public init(slowdown: Double = 1, periods: Int = 1, seconds: Double? = nil) {
        self.slowdown = slowdown
        self.periods = periods
        self.seconds = seconds
    }

    /// Allowed exact clip lengths, output seconds.
    public static let secondsRange: ClosedRange<Double> = 1e-3...86400

    /// Allowed slowdown (checked when read from a file).
    public static let slowdownRange: ClosedRange<Double> = 1e-3...1e4
    /// Allowed number of periods.
    public static let periodsRange: ClosedRange<Int> = 1...100_000

    /// Output seconds of one period of a texture with window T seconds: slowdown * T.
    public func period(window: Double) -> Double { slowdown * window }

    /// Output seconds of the whole clip: `seconds`, or periods * slowdown * T.
    public func duration(window: Double) -> Double { seconds ?? Double(periods) * period(window: window) }
}

/// Frame times for one rendered clip: how many frames, and where each samples the texture.
public struct RenderPlan: Sendable, Equatable {
    /// Output frames.
    public let frameCount: Int
    /// Output frame rate.
    public let fps: Double
    /// Texture frames (the volume's own time axis) advanced per output frame.
    public let step: Double
    /// For an exact-length loop: per term k, the whole cycles it makes over the clip (term k's
    /// frequency becomes cycles[k] / clip); nil = every term at its own frequency k / T.
    public let cycles: [Int]?

    /// Largest change of speed the loop's frequency snapping makes to any term (0.25 = a term
    /// plays 25% faster or slower than measured or predicted).
    public var speedChange: Double { speedChanges.max() ?? 0 }
    /// The change of each term k >= 1 (|cycles_k / exact cycles_k - 1|), empty without `cycles`.
    public let speedChanges: [Double]

    /// The scene's clip: `timeline.seconds` exactly, looping (see `init(loopSeconds:)`), or
    /// `timeline.periods` whole periods. With whole periods the step is adjusted (by less than
    /// half a frame over the clip) so that frameCount * step is exactly periods * N, and frame
    /// frameCount would coincide with frame 0 (no seam even when the period is fractional).
    public init(timeline: Timeline, volume: SpectralVolume, fps: Double) {
        if let seconds = timeline.seconds {
            self.init(loopSeconds: seconds, timeline: timeline, volume: volume, fps: fps)
        } else {
            let frames = (timeline.duration(window: volume.windowSeconds) * fps).clampedInt(1...Int(Int32.max))
            self.init(frameCount: frames, fps: fps, step: Double(timeline.periods) * volume.windowFrames / Double(frames))
        }
    }

    private init(frameCount: Int, fps: Double, step: Double, cycles: [Int]? = nil, speedChanges: [Double] = []) {
        self.frameCount = frameCount
        self.fps = fps
        self.step = step
        self.cycles = cycles
        self.speedChanges = speedChanges
    }

    /// A loop of exactly round(seconds * fps) frames. Term k makes k * clip / (slowdown * T)
    /// cycles over the clip; that number is rounded to a whole one (at least 1 for k >= 1, so
    /// nothing that moved stands still), which makes every term, and so the clip, periodic over
    /// exactly frameCount frames. Playing whole periods at another speed would change every term
    /// by the same factor; rounding each term on its own changes none by more than that, and the
    /// high terms (many cycles) hardly at all.
    public init(loopSeconds seconds: Double, timeline: Timeline, volume: SpectralVolume, fps: Double) {
        let frames = (seconds * fps).clampedInt(1...Int(Int32.max))
        let clip = Double(frames) / fps
        let periodsInClip = clip / timeline.period(window: volume.windowSeconds)
        var cycles = [0]
        var changes: [Double] = []
        for k in 1..<max(1, volume.frequencies) {
            let exact = Double(k) * periodsInClip
            let whole = max(1, exact.rounded())
            cycles.append(Int(min(whole, Double(Int32.max))))
            changes.append(abs(whole / exact - 1))
        }
        self.init(frameCount: frames, fps: fps, step: volume.fps / (fps * timeline.slowdown), cycles: cycles,
                  speedChanges: changes)
    }

    /// A clip of exactly `seconds` (not rounded to periods; it loops only if the user chose so).
    public init(seconds: Double, timeline: Timeline, volume: SpectralVolume, fps: Double) {
        // Output frame i is at i / fps seconds, which is i / (fps * slowdown) texture seconds.
        self.init(frameCount: (seconds * fps).clampedInt(1...Int(Int32.max)), fps: fps, step: volume.fps / (fps * timeline.slowdown))
    }

    /// Texture time in frames of output frame i (for an exact-length loop: the unsnapped time).
    public func textureFrame(_ i: Int) -> Double { Double(i) * step }

    /// Output duration in seconds.
    public var duration: Double { Double(frameCount) / fps }
}

extension SpectralVolume {
    /// Writes the fields of output frames `frames` of `plan` into `out` (frames.count * 2HW floats).
    public func evaluate(_ plan: RenderPlan, frames: Range<Int>, into out: UnsafeMutableBufferPointer<Float>) {
        if let cycles = plan.cycles {
            let basis = Basis.loop(cycles: cycles, frames: plan.frameCount, indices: frames, frequencies: frequencies)
            evaluate(basis: basis, count: frames.count, into: out)
        } else {
            evaluate(atFrames: frames.map(plan.textureFrame), into: out)
        }
    }
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
