import Graph
import SpectralVolume

/// Measured motion of a window of frames against its reference frame I0 (the paper's section 7:
/// coarse-to-fine flow from I0 to every later frame), one frame at a time.
///
/// Each frame's flow starts from the previous frame's (tried as a candidate at every patch),
/// which follows motions that grow over the window. A small global camera shake is removed:
/// the median translation of the field, limited to `maxShake` pixels, so that a still
/// background stays still while a larger global motion (a pan) is left for the caller to judge.
/// With `usesConfidence` (the default) the shift is measured on the textured pixels of I0 only
/// (`MotionConfidence.texture` >= 0.5): flow on a flat sky or a black background is noise and
/// must not vote for the camera. Among those it is the mode (`GlobalShift.mode`: the still
/// background's sharp peak, even where a flame or a swaying crane holds most of the texture),
/// or their median when no translation within max(2 maxShake + 2, 8) px dominates; a frame with almost no
/// texture removes no shake.
/// Holds the reference, one previous field and the flow workspace: memory does not grow with
/// the window.
public final class MotionEstimator {
    /// The reference frame I0 (luma, 0...255).
    public let reference: GrayImage
    /// Largest global shift removed, in pixels.
    public let maxShake: Float
    /// Whether each flow is seeded with the previous frame's.
    public let usesPreviousFlow: Bool
    /// The global shift (u, v) removed from the latest field.
    public private(set) var lastShift: (u: Float, v: Float) = (0, 0)
    /// The latest field's global translation before the `maxShake` limit (a pan shows here).
    public private(set) var lastGlobalMotion: (u: Float, v: Float) = (0, 0)
    /// Whether the shake is measured on textured pixels only, and `textureConfidence` is kept.
    public let usesConfidence: Bool
    /// I0's noise sigma in grey levels (0...255) (`MotionConfidence.noiseLevel`); 0 without confidence.
    public let noiseLevel: Float
    /// I0's texture confidence (H, W) in 0...1 (`MotionConfidence.texture`); empty without confidence.
    public let textureConfidence: [Float]
    /// Textured grid points needed to measure the shake (fewer: no shake is removed).
    static let minimumShakeSamples = 64

    private let shakeMask: [Bool]?

    private let flow: OpticalFlow
    private var previous: FlowField?
    private var scratch: [Float] = []

    /// Measures against `reference` with the given flow settings.
    public init(reference: GrayImage, parameters: FlowParameters = FlowParameters(.medium), maxShake: Float = 2,
                usesPreviousFlow: Bool = true, usesConfidence: Bool = true) throws {
        guard maxShake >= 0, maxShake.isFinite else { throw GIDError.usage("motion: maxShake=\(maxShake) must be >= 0") }
        self.reference = reference
        self.maxShake = maxShake
        self.usesPreviousFlow = usesPreviousFlow
        self.usesConfidence = usesConfidence
        if usesConfidence {
            noiseLevel = MotionConfidence.noiseLevel(of: reference)
            textureConfidence = MotionConfidence.texture(of: reference, noise: noiseLevel)
            shakeMask = textureConfidence.map { $0 >= 0.5 }
        } else {
            noiseLevel = 0
            textureConfidence = []
            shakeMask = nil
        }
        flow = try OpticalFlow(parameters: parameters)
    }

    /// Measures against a float RGB reference (compared as luma).
    public convenience init(reference: RGBImage, preset: FlowPreset = .medium, maxShake: Float = 2) throws {
        try self.init(reference: GrayImage(reference), parameters: FlowParameters(preset), maxShake: maxShake)
    }

    /// The displacement field (2, H, W) from I0 to `frame`, global shake removed.
    public func displacement(to frame: GrayImage) throws -> FlowField {
        guard frame.width == reference.width, frame.height == reference.height else {
            throw GIDError.input("motion: frame is \(frame.width)x\(frame.height), the reference \(reference.width)x\(reference.height)")
        }
        let raw = try flow.compute(from: reference, to: frame, hint: usesPreviousFlow ? previous : nil)
        previous = raw
        var (su, sv): (Float, Float)
        if let shakeMask {
            // The still background's peak among the textured pixels; the median when there is none.
            (su, sv) = GlobalShift.mode(of: raw, mask: shakeMask, range: max(2 * maxShake + 2, 8), minimum: Self.minimumShakeSamples,
                                        scratch: &scratch)
                ?? GlobalShift.median(of: raw, mask: shakeMask, minimum: Self.minimumShakeSamples, scratch: &scratch)
                ?? (0, 0)
        } else {
            (su, sv) = GlobalShift.median(of: raw, scratch: &scratch)
        }
        lastGlobalMotion = (su, sv)
        let length = (su * su + sv * sv).squareRoot()
        if length > maxShake {
            su *= maxShake / length
            sv *= maxShake / length
        }
        lastShift = (su, sv)
        guard su != 0 || sv != 0 else { return raw }
        var out = raw
        let n = raw.planeSize
        out.data.withUnsafeMutableBufferPointer { d in
            for i in 0..<n { d[i] -= su }
            for i in n..<(2 * n) { d[i] -= sv }
        }
        return out
    }

    /// The displacement field from I0 to a float RGB frame.
    public func displacement(to frame: RGBImage) throws -> FlowField {
        try displacement(to: GrayImage(frame))
    }
}

/// Frames of a window in, spectral volume out: measured motion streamed into a
/// `SpectralAccumulator` (the reference contributes the zero field of frame 0).
public final class MotionAnalysis {
    /// The per-frame measurement.
    public let estimator: MotionEstimator
    private var accumulator: SpectralAccumulator

    /// Starts a window of `frames` frames (reference included) at `fps`.
    public init(reference: RGBImage, frames: Int, fps: Double, frequencies: Int = SpectralVolume.defaultFrequencies,
                parameters: FlowParameters = FlowParameters(.medium), maxShake: Float = 2, source: String = "") throws {
        estimator = try MotionEstimator(reference: GrayImage(reference), parameters: parameters, maxShake: maxShake)
        accumulator = try SpectralAccumulator(frames: frames, width: reference.width, height: reference.height,
                                              frequencies: frequencies, fps: fps, source: source)
        try accumulator.add([Float](repeating: 0, count: 2 * reference.width * reference.height))
    }

    /// Frames added so far, the reference included.
    public var count: Int { accumulator.count }

    /// Measures the next frame of the window and adds its field; returns the field.
    @discardableResult
    public func add(_ frame: RGBImage) throws -> FlowField {
        let field = try estimator.displacement(to: frame)
        try accumulator.add(field.data)
        return field
    }

    /// The spectral volume of the window (throws if frames are missing).
    public func finish() throws -> SpectralVolume { try accumulator.finish() }
}
