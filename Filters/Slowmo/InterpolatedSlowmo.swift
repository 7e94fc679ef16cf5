import Flow
import Graph

/// `slowmo` on video frames: N times slower by interpolating frames with bidirectional flow.
///
/// Output frame j (at the input's nominal rate r, pts j in 1/r) shows input time
/// t_first + j / (N r): times that fall on an input frame pass it through unchanged (still
/// native), the others are made by `FrameInterpolator` from the two frames around them, at the
/// fraction given by those frames' own timestamps (so variable-rate input stays on its clock).
final class InterpolatedSlowmo {
    let output: StreamInfo
    private let label: String
    private let factor: Double
    private let rate: Rational
    private let interpolator: FrameInterpolator
    private var previous: Frame?
    private var firstTime: Double?
    private var next = 0
    private var size: (width: Int, height: Int)?

    init(factor: Double, preset: String, sharpen: Float = 1, input: StreamInfo, label: String) throws {
        self.label = label
        self.factor = factor
        guard let p = FlowPreset(rawValue: preset) else {
            throw GIDError.usage("\(label): preset=\(preset): use fast, medium or best")
        }
        interpolator = FrameInterpolator(preset: p)
        interpolator.sharpening = sharpen
        if input.isStill {
            throw GIDError.usage("\(label): \(input.source.isEmpty ? "the input" : input.source) is a single picture; slow motion of frames needs a video (for a still, measure or load motion first: motion=scene.gidm,slowmo=\(WindowFormat.short(factor)))")
        }
        if let r = input.frameRate, r.value > 0, r.value <= 1000 {
            rate = r
        } else {
            rate = Rational(25, 1)
            Log.info("\(label): \(input.source.isEmpty ? "the input" : input.source) has no usable frame rate; output at 25 fps")
        }
        var info = input
        info.frameRate = rate
        info.timeBase = rate.inverted
        info.duration = input.duration.map { $0 * factor }
        info.frameCount = input.frameCount.map { max(1, Int((Double($0 - 1) * factor).rounded(.down)) + 1) }
        info.loops = false  // the step from the last frame back to the first is not interpolated
        output = info
    }

    /// Input time (relative to the first frame) that output frame j shows.
    private func sourceTime(_ j: Int) -> Double { Double(j) / (factor * rate.value) }

    /// How far apart two times may be and still count as the same: one tick of the input's time
    /// base (Matroska and WebM store milliseconds, so frame 23 of 24 fps is at 0.958 s, not
    /// 0.95833), but under a quarter of the step between output times.
    private func slack(_ frame: Frame) -> Double {
        min(max(1e-4 / rate.value, frame.timeBase.value), 0.25 / (factor * rate.value))
    }

    func receive(_ item: StreamItem, emit: Emit) throws {
        guard case .frame(let frame) = item else { throw GIDError.usage("\(label): takes frames or motion") }
        if let size, size != (frame.width, frame.height) {
            throw GIDError.input("\(label): a frame is \(frame.width)x\(frame.height), the first \(size.width)x\(size.height); frames of different sizes cannot be interpolated (scale them first, e.g. lavfi='scale=\(size.width):\(size.height)')")
        }
        size = (frame.width, frame.height)
        let first = firstTime ?? frame.seconds
        firstTime = first
        let t1 = frame.seconds - first
        guard let a = previous else {
            previous = frame
            try interpolator.advance(to: try frame.rgb())
            return
        }
        let t0 = a.seconds - first
        guard t1 > t0 else {
            // A repeated or out-of-order timestamp: nothing lies between; keep the newer picture.
            previous = frame
            try interpolator.advance(to: try frame.rgb())
            return
        }
        let slack = slack(frame)
        // Output frames showing t0 exactly pass A through; the rest of [t0, t1) is interpolated.
        var prepared = false
        while sourceTime(next) < t1 - slack {
            let s = sourceTime(next)
            if s <= t0 + slack {
                try emit(.frame(retimed(a, next)))
            } else {
                if !prepared {
                    try interpolator.advance(to: try frame.rgb())
                    prepared = true
                }
                let fraction = Float((s - t0) / (t1 - t0))
                try emit(.frame(Frame(try interpolator.frame(at: fraction), pts: Int64(next), duration: 1, timeBase: rate.inverted)))
            }
            next += 1
        }
        if !prepared { try interpolator.advance(to: try frame.rgb()) }
        previous = frame
    }

    func finish(emit: Emit) throws {
        guard let last = previous, let first = firstTime else { return }
        // The last frame closes the clip when an output time lands on it.
        let t = last.seconds - first
        if sourceTime(next) <= t + slack(last) {
            try emit(.frame(retimed(last, next)))
            next += 1
        }
        previous = nil
        if next == 1 {
            Log.warning("\(label): the input has a single frame; there is nothing to interpolate")
        }
    }

    private func retimed(_ frame: Frame, _ j: Int) -> Frame {
        Frame(content: frame.content, pts: Int64(j), duration: 1, timeBase: rate.inverted)
    }
}

/// Short number formatting for messages.
enum WindowFormat {
    static func short(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}
