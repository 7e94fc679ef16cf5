import Graph
import Prior
import SpectralVolume

/// `predict`: frames -> motion by the learned prior alone (the paper's section 4), from the
/// input's first picture, still or video. `motion` does the same on a still.
public final class PredictFilter: Filter {
    public struct Options: PriorOptions {
        public var prior = StillPrediction.Settings()
        public init() {}
        public static let table = priorTable()
    }

    public static let name = "predict"
    public static let summary = "Frames -> motion predicted from the first picture by the learned prior (no video needed)."
    public static let details = """
        Runs the motion prior of Training/ in Swift on OpenBLAS. The shipped model is
        amplitude-first: frozen ImageNet AlexNet features and a small head regress each pixel's
        amplitude per frequency and its direction from the picture (where and how much things
        move); the phases (when each pixel swings) are smooth random fields drawn from the seed,
        so a seed changes the phases only. A diffusion-prior model file (the paper's DDIM sampler,
        Models/gid-prior-diffusion.safetensors) takes steps and guidance as well. The result is
        the same as Training/sample.py up to float rounding and the random numbers. The scene's
        window is 5 s at 30 fps. On a video only the first picture is used (`motion` measures
        instead). The model is model=PATH, else $GID_PRIOR_MODEL, else
        gid-prior-default.safetensors beside the executable (or in its Models/ or
        ../share/gid-filter/), else in Models/ of the checkout the binary was built in. A missing
        or corrupt model file is an input error (exit 3).
        Examples:
          gid-filter -i photo.jpg -vf "predict,loop=seconds=5" photo.mp4
          gid-filter -i clip.mp4 -vf "predict=seed=2" first-frame.gidm
        """
    public static let inputKind = StreamKind.frames
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let worker: StillPrediction

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        worker = try StillPrediction(settings: options.prior, input: input, label: context.label)
        output = worker.output
    }

    public func receive(_ item: StreamItem, emit: Emit) throws { try worker.receive(item, emit: emit) }
    public func finish(emit: Emit) throws { try worker.finish(emit: emit) }
}
