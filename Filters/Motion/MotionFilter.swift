import Foundation
import Graph
import Prior
import SpectralVolume

/// `motion`: frames -> motion (a scene: I0 + spectral volume), measured from video or read from a file.
///
/// On a video without `file=`, motion is measured as the paper's section 7 builds its training
/// data: optical flow from the reference frame to every later frame of a window, streamed into
/// the spectral accumulator (see `WindowMeasurement`). With `file=`, the spectral volume comes
/// from a `.gidm` file and the input's first picture becomes I0; on a motion input, `file=`
/// replaces the scene's motion.
public final class MotionFilter: Filter {
    public struct Options: PriorOptions {
        public var file = ""
        public var reference = ""
        public var window = 0.0
        public var start = 0.0
        public var frequencies = SpectralVolume.defaultFrequencies
        public var preset = "medium"
        public var confidence = true
        public var prior = StillPrediction.Settings()
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .string("file", \.file, default: "", help: "motion file (.gidm) to read the spectral volume from; empty = measure it from the video"),
            .string("ref", \.reference, default: "",
                    help: "I0. measure: a frame index within the window (default 0; frames before it are held as luma). file: input (default; motion resampled to its size) or file"),
            .double("window", \.window, default: 0, range: 0...3600,
                    help: "measure: seconds of video analysed (the period T); 0 = 5 s (150 frames at 30 fps), or the whole clip when shorter"),
            .double("start", \.start, default: 0, range: 0...86400, help: "measure: where the window starts, in seconds of the input"),
            .int("k", \.frequencies, default: SpectralVolume.defaultFrequencies, range: 1...75,
                 help: "measure: frequencies kept, f_k = k/T for k < K"),
            .choice("preset", \.preset, default: "medium", choices: ["fast", "medium", "best"],
                    help: "measure: optical flow speed/accuracy trade-off"),
            .bool("confidence", \.confidence, default: true,
                  help: "measure: where I0 has no texture to measure motion on (flat or dark areas), take the motion of the textured pixels around (0 far from any), and measure the camera shake on textured pixels; 0 = raw flow"),
        ] + priorTable(helpPrefix: "still: ")
    }

    public static let name = "motion"
    public static let summary = "Frames -> motion: measured from a video by optical flow, predicted from a still by the learned prior, or read from a .gidm file."
    public static let details = """
        Without file: measures motion from a video as the paper does (section 7): flow from the
        reference frame to every frame of a window of T seconds, a camera shake of up to 2 px
        removed, resampled onto T*fps evenly spaced instants of the clip's own clock (f_k = k/T),
        and reduced to K Fourier terms as the frames stream by (memory does not grow with T).
        confidence=1 (default) rates each pixel by how well I0's texture lets flow measure it
        and gives poorly rated pixels the motion of the well-rated ones around them (a flame's
        flat core moves with its rim; a flat sky or black background far from texture stays
        still), and measures the camera shake on textured pixels only; confidence=0 keeps the
        raw flow.
        The scene is emitted when the window is complete; I0 is the reference frame. An explicit
        window longer than the clip is an error; the default 5 s window shrinks to a shorter clip
        with a notice.
        On a still picture: the motion is predicted by the learned prior (Training/, paper section
        4), run in Swift, same as `predict`: the shipped model regresses where and how much each
        pixel moves from AlexNet features and draws the phases from the seed (a diffusion-prior
        model file samples with DDIM instead). Options seed, model (steps, guidance: diffusion
        models); the window is 5 s at 30 fps.
        With file: the spectral volume comes from a .gidm file; the input's first picture is I0
        (ref=input, motion resampled to its size) or the file's own picture (ref=file). On a motion
        input, file= replaces the scene's motion and keeps its picture (ref=input).
        Examples:
          gid-filter -i trees.mp4 -vf "motion,loop=seconds=10" loop.mp4
          gid-filter -i trees.mp4 -vf "motion=window=3:start=2:ref=10:preset=best,magnify=gain=3:band=0.2-2" big.mp4
          gid-filter -i photo.jpg -vf "motion,loop=seconds=5" photo.mp4
          gid-filter -i photo.jpg -vf "motion=seed=3:steps=10,magnify=2" out.mp4
          gid-filter -i photo.jpg -vf "motion=scene.gidm,magnify=2" out.mp4
        """
    public static let inputKind = StreamKind.frames
    public static let outputKind = StreamKind.motion
    public static let acceptsAnyKind = true

    public let output: StreamInfo
    private let worker: any MotionSource

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        let label = context.label
        if !options.file.isEmpty {
            guard ["", "input", "file"].contains(options.reference) else {
                throw GIDError.usage("\(label): ref=\(options.reference): with file=, use ref=input or ref=file")
            }
            worker = try MotionFromFile(file: options.file, useInput: options.reference != "file", input: input, label: label)
        } else if input.kind == .motion {
            throw GIDError.usage("\(label): the input is already motion; give file=scene.gidm to replace it")
        } else if input.isStill {
            worker = try StillPrediction(settings: options.prior, input: input, label: label)
        } else {
            guard let index = options.reference.isEmpty ? 0 : Int(options.reference), index >= 0 else {
                throw GIDError.usage("\(label): ref=\(options.reference): when measuring, ref is a frame index within the window (0, 1, ...)")
            }
            worker = try WindowMeasurement(options: options, referenceIndex: index, input: input, label: label)
        }
        output = worker.output
    }

    public func receive(_ item: StreamItem, emit: Emit) throws { try worker.receive(item, emit: emit) }
    public func finish(emit: Emit) throws { try worker.finish(emit: emit) }
}

extension StillPrediction: MotionSource {}

/// One way of producing the scene (from a file, measured, or predicted).
protocol MotionSource: AnyObject {
    var output: StreamInfo { get }
    func receive(_ item: StreamItem, emit: Emit) throws
    func finish(emit: Emit) throws
}
