import Flow
import Foundation
import Graph
import SpectralVolume

/// Measured motion of one window of a video (paper section 7), streamed: flow from the reference
/// frame to each frame, resampled onto evenly spaced instants, projected onto K Fourier terms.
///
/// Timing: the grid is the clip's own frame rate r (its nominal rate; 30 if it has none). The
/// window holds N = round(T r) samples at t0 + n / r, where t0 is the time of the window's first
/// frame, so the period is N / r seconds (T rounded to whole frames) and f_k = k r / N. Each
/// sample's field is interpolated linearly in time between the two frames around it, which is
/// the identity for a constant-rate clip and keeps variable-rate clips (dropped or uneven frames)
/// on the right clock. Memory: the reference, the previous field, the flow workspace and the
/// accumulator; frames before the reference (ref > 0) are held as luma until it arrives.
final class WindowMeasurement: MotionSource {
    let output: StreamInfo
    private let label: String
    private let rate: Double
    private let samples: Int
    private let start: Double
    private let referenceIndex: Int
    private let frequencies: Int
    private let parameters: FlowParameters
    private let source: String
    private let usesConfidence: Bool

    private var firstTime: Double?
    private var size: (width: Int, height: Int)?
    private var windowFrames = 0
    private var lastTime = 0.0
    private var held: [(time: Double, picture: GrayImage)] = []
    private var reference: RGBImage?
    private var estimator: MotionEstimator?
    private var accumulator: SpectralAccumulator?
    private var previous: (time: Double, field: [Float])?
    private var blended: [Float] = []
    private var nextSample = 0
    private var firstField: [Float] = []
    private var lastField: [Float] = []
    private var done = false
    private var largestShift: Float = 0
    /// The window's previous frame (luma), for the scene-cut warning.
    private var lastLuma: GrayImage?
    private var cuts = SceneCutDetector()
    private var warnedCut = false
    private var clock = DispatchTime.now().uptimeNanoseconds

    init(options: MotionFilter.Options, referenceIndex: Int, input: StreamInfo, label: String) throws {
        self.label = label
        var rate = input.frameRate?.value ?? 0
        // Below 1 fps (a GIF with a minutes-long frame delay) frames are no motion samples, and
        // half a frame period would exceed the whole clip: measure on a 30 fps clock instead.
        if !(rate >= 1 && rate <= 1000) {
            Log.info("\(label): \(input.source.isEmpty ? "the input" : input.source) has no usable frame rate; measuring on a 30 fps clock")
            rate = 30
        }
        self.rate = rate
        start = options.start
        // Seconds of video from start= to the end, when the container says how long it is.
        let available = input.duration.map { $0 - options.start }
        if let available, available <= 0.5 / rate {
            throw GIDError.usage("\(label): start=\(Self.format(options.start)) s is at or past the end of the clip (\(Self.format(input.duration ?? 0)) s)")
        }
        var seconds = options.window > 0 ? options.window : SpectralVolume.defaultWindowSeconds
        if let available, seconds > available + 0.5 / rate {
            guard options.window == 0 else {
                throw GIDError.usage("\(label): window=\(Self.format(seconds)) s is longer than the clip from start=\(Self.format(options.start)) s (\(Self.format(available)) s); give window=\(Self.format(available)) or less")
            }
            Log.info("\(label): the clip has \(Self.format(available)) s from start=\(Self.format(options.start)) s, less than the default 5 s window; measuring \(Self.format(available)) s")
            seconds = available
        }
        samples = (seconds * rate).clampedInt(0...Int(Int32.max))
        guard samples >= 2 else {
            throw GIDError.usage("\(label): window=\(Self.format(seconds)) s holds \(samples) frame(s) at \(Self.format(rate)) fps; motion needs at least 2")
        }
        guard referenceIndex < samples else {
            throw GIDError.usage("\(label): ref=\(referenceIndex) is outside the window's \(samples) frames (0...\(samples - 1))")
        }
        self.referenceIndex = referenceIndex
        frequencies = options.frequencies
        // The DFT of N samples resolves frequencies below N/2: K terms need N > 2(K - 1).
        guard samples > 2 * (frequencies - 1) else {
            throw GIDError.usage("\(label): the window holds \(samples) frames, too few for k=\(frequencies) frequencies (it needs more than \(2 * (frequencies - 1))); lower k= to \((samples - 1) / 2 + 1) or lengthen window=")
        }
        guard let preset = FlowPreset(rawValue: options.preset) else {
            throw GIDError.usage("\(label): preset=\(options.preset): use fast, medium or best")
        }
        parameters = FlowParameters(preset)
        usesConfidence = options.confidence
        source = input.source
        let r = input.frameRate.flatMap { $0.value == rate ? $0 : nil } ?? Rational(approximating: rate)
        output = StreamInfo(kind: .motion, width: input.width, height: input.height, timeBase: r.inverted, frameRate: r,
                            frameCount: samples, duration: Double(samples) / rate, isStill: false, source: input.source,
                            loops: true)
        Log.verbose("\(label): measuring \(samples) frames (\(Self.format(Double(samples) / rate)) s at \(Self.format(rate)) fps) from \(Self.format(start)) s, reference frame \(referenceIndex), K=\(frequencies), preset \(preset.rawValue)")
    }

    func receive(_ item: StreamItem, emit: Emit) throws {
        guard !done else { return }
        guard case .frame(let frame) = item else {
            throw GIDError.usage("\(label): takes frames here (motion input needs file=)")
        }
        let first = firstTime ?? frame.seconds
        firstTime = first
        // start= counts from the input's first frame; a quarter frame of slack absorbs rounded pts.
        let t = frame.seconds - first
        guard t >= start - 0.25 / rate else { return }
        if let size, size != (frame.width, frame.height) {
            throw GIDError.input("\(label): frame \(windowFrames) of the window is \(frame.width)x\(frame.height), the first \(size.width)x\(size.height); frames of different sizes cannot be measured against one reference (scale them first, e.g. lavfi='scale=\(size.width):\(size.height)')")
        }
        size = (frame.width, frame.height)
        let index = windowFrames
        windowFrames += 1
        lastTime = t
        let picture = try frame.rgb()
        let luma = GrayImage(picture)
        warnAtCut(luma, index: index, time: t)
        if index < referenceIndex {
            held.append((t, luma))
            return
        }
        if index == referenceIndex {
            try begin(reference: picture, luma: luma)
            for (time, earlier) in held {
                try add(time: time, field: try measure(earlier))
            }
            held = []
            let n = 2 * frame.width * frame.height
            try add(time: t, field: [Float](repeating: 0, count: n))
        } else {
            try add(time: t, field: try measure(luma))
        }
        if nextSample == samples { try complete(emit: emit) }
    }

    func finish(emit: Emit) throws {
        guard !done else { return }
        guard windowFrames > 0 else {
            throw GIDError.input(firstTime == nil ? "\(label): the input has no frames to measure motion from"
                                 : "\(label): no frames from start=\(Self.format(start)) s: the clip ends at \(Self.format(lastTime)) s")
        }
        guard windowFrames > 1 else {
            throw GIDError.input("\(label): the input has a single frame: motion can only be measured from a video; for the learned prior's prediction give the picture as a still (PNG/JPEG) or use predict, or give file=scene.gidm")
        }
        guard windowFrames > referenceIndex, let previous else {
            throw GIDError.input("\(label): ref=\(referenceIndex) but the window has only \(windowFrames) frames")
        }
        // Samples up to half a frame past the last frame take its field (rounded durations);
        // further is a window longer than the clip.
        let lastNeeded = Double(samples - 1) / rate + windowStart
        guard lastNeeded <= lastTime + 0.5 / rate else {
            let have = lastTime - windowStart + 1 / rate
            throw GIDError.input("\(label): the window needs \(Self.format(Double(samples) / rate)) s (\(samples) frames) from start=\(Self.format(start)) s, but the clip has only \(Self.format(have)) s (\(windowFrames) frames) there; give window=\(Self.format(have)) or less")
        }
        while nextSample < samples { try push(previous.field) }
        try complete(emit: emit)
    }

    /// Time of the window's first frame (sample 0), relative to the input's first frame.
    private var windowStart = 0.0

    /// Warns once per window where two consecutive frames look like a scene cut: flow across a
    /// cut measures no motion of either shot, and the loop would mix them.
    private func warnAtCut(_ luma: GrayImage, index: Int, time: Double) {
        defer { lastLuma = luma }
        guard let last = lastLuma, !warnedCut,
              cuts.isCut(difference: SceneCutDetector.difference(last, luma)) else { return }
        warnedCut = true
        Log.warning("\(label): frame \(index) of the window (\(Self.format(time)) s) looks like a scene cut; motion measured across it mixes two shots: choose start= and window= within one shot")
    }

    private func begin(reference image: RGBImage, luma: GrayImage) throws {
        reference = image
        estimator = try MotionEstimator(reference: luma, parameters: parameters, maxShake: 2,
                                        usesConfidence: usesConfidence)
        accumulator = try SpectralAccumulator(frames: samples, width: image.width, height: image.height,
                                              frequencies: frequencies, fps: rate, source: source)
        windowStart = held.first?.time ?? lastTime
    }

    private func measure(_ picture: GrayImage) throws -> [Float] {
        guard let estimator else { throw GIDError.internal("\(label): no reference yet") }
        let field = try estimator.displacement(to: picture).data
        let (u, v) = estimator.lastGlobalMotion
        largestShift = max(largestShift, (u * u + v * v).squareRoot())
        return field
    }

    /// Feeds the grid samples up to `time`, interpolating between the previous field and this one.
    private func add(time: Double, field: [Float]) throws {
        let slack = 1e-3 / rate
        while nextSample < samples {
            let ts = windowStart + Double(nextSample) / rate
            guard ts <= time + slack else { break }
            guard let (t0, f0) = previous, time - t0 > slack else {
                try push(field)
                continue
            }
            let w = Float(min(max((ts - t0) / (time - t0), 0), 1))
            if w >= 1 - 1e-4 {
                try push(field)
            } else if w <= 1e-4 {
                try push(f0)
            } else {
                blended = zip(f0, field).map { $0 + w * ($1 - $0) }
                try push(blended)
            }
        }
        previous = (time, field)
    }

    private func push(_ field: [Float]) throws {
        guard accumulator != nil else { throw GIDError.internal("\(label): no accumulator") }
        try accumulator!.add(field)
        if nextSample == 0 { firstField = field }
        lastField = field
        nextSample += 1
        if nextSample % max(1, samples / 10) == 0 || nextSample == samples {
            let now = DispatchTime.now().uptimeNanoseconds
            Log.verbose("\(label): \(nextSample)/\(samples) frames measured (\(Self.format(Double(now - clock) / 1e9)) s)")
        }
    }

    private func complete(emit: Emit) throws {
        guard var accumulator, let reference else { throw GIDError.internal("\(label): window incomplete") }
        // Drop our reference first: the volume then owns the sums alone and is edited in place.
        self.accumulator = nil
        var volume = try accumulator.finishReleasing()
        Self.removeDrift(from: &volume, first: firstField, last: lastField, samples: samples)
        // Motion is only measured where I0 has texture: elsewhere (flat sky, black background)
        // the flow is noise, so each pixel takes the motion of the confident pixels around it
        // (0 far from any texture).
        if usesConfidence, let estimator, !estimator.textureConfidence.isEmpty {
            let confidence = estimator.textureConfidence
            MotionConfidence.fill(confidence, to: &volume)
            let low = Double(confidence.filter { $0 < 0.5 }.count) / Double(confidence.count)
            Log.verbose("\(label): confidence: noise \(Self.format(Double(estimator.noiseLevel))) grey levels, \(Self.format(low * 100))% of pixels too flat to measure (confidence < 0.5), largest camera shift \(Self.format(Double(largestShift))) px")
        }
        firstField = []
        lastField = []
        done = true
        estimator = nil
        previous = nil
        let shift = Self.format(Double(Double(samples) / rate))
        Log.verbose("\(label): spectral volume \(volume.width)x\(volume.height), K=\(volume.frequencies), period \(shift) s")
        try emit(.motion(try Scene(image: reference, volume: volume)))
    }

    /// Removes the window's linear drift D = F(last) - F(first) from the coefficients.
    ///
    /// A trajectory that ends elsewhere than it starts (a branch settling, flow drifting) is a
    /// sawtooth to the periodic basis: its K-term series overshoots and rushes back where the
    /// period wraps, a visible jump once per loop. The ramp D n / (N - 1) has the known DFT
    /// D c_k, c_k = (1/N) sum_n n/(N-1) e^{-2 pi i k n / N} (the accumulator's 1/N convention),
    /// so subtracting it needs only the two end fields, not the frames.
    static func removeDrift(from volume: inout SpectralVolume, first: [Float], last: [Float], samples n: Int) {
        let size = volume.fieldSize
        guard n > 2, first.count == size, last.count == size else { return }
        let part = volume.partSize
        for k in 0..<volume.frequencies {
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let theta = 2 * Double.pi * Double((k * j) % n) / Double(n)
                let ramp = Double(j) / Double(n - 1) / Double(n)
                re += ramp * cos(theta)
                im -= ramp * sin(theta)
            }
            let cr = Float(re), ci = Float(im), base = k * size
            volume.data.withUnsafeMutableBufferPointer { d in
                for i in 0..<size {
                    let drift = last[i] - first[i]
                    d[base + i] -= cr * drift
                    d[part + base + i] -= ci * drift
                }
            }
        }
    }

    static func format(_ x: Double) -> String { String(format: "%.3g", x) }
}
