import Foundation
import Graph
import SpectralVolume

/// `motion`: turns frames into a motion stream (a scene: I0 + spectral volume).
///
/// With `file=`, the motion comes from a `.gidm` file and the input's first picture becomes I0
/// (so saved motion can animate a retouched or resized copy of its picture). Measuring motion
/// from a video with optical flow comes with the Flow module.
public final class MotionFilter: Filter {
    public struct Options: FilterOptions {
        public var file = ""
        public var reference = "input"
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .string("file", \.file, default: "", help: "motion file (.gidm) to read the spectral volume from"),
            .choice("ref", \.reference, default: "input", choices: ["input", "file"],
                    help: "I0: the input's first picture (motion resampled to its size if they differ), or the file's own picture"),
        ]
    }

    public static let name = "motion"
    public static let summary = "Frames -> motion: the spectral volume from a .gidm file, with the input's first picture as I0."
    public static let details = """
        The scene is emitted as soon as the first picture arrives; later pictures are read and
        ignored (a video input gives its first frame). With ref=input and a picture whose size
        differs from the file's, the motion is resampled to the picture (displacements scaled);
        with ref=file, or on an empty input, the file's reference picture is used.
        Examples:
          gid-filter -i photo.jpg -vf "motion=scene.gidm,magnify=2" out.mp4
          gid-filter -i photo.jpg -vf "motion=file=scene.gidm:ref=file" out.mp4
        """
    public static let inputKind = StreamKind.frames
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let scene: Scene
    private let useInput: Bool
    private var emitted = false

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        guard !options.file.isEmpty else {
            throw GIDError.usage("\(label): measuring motion from frames (optical flow) is not available yet; give file=scene.gidm")
        }
        do {
            scene = try MotionFile.read(from: options.file)
        } catch let e as GIDError {
            throw GIDError(e.kind, "\(label): \(e.message)")
        }
        useInput = options.reference == "input"
        var info = StreamInfo.motion(scene, source: options.file)
        if useInput, input.width > 0, input.height > 0 {
            info.width = input.width
            info.height = input.height
            let a = Double(input.width) / Double(input.height), b = Double(scene.width) / Double(scene.height)
            if abs(a / b - 1) > 0.01 {
                Log.warning("\(label): picture \(input.width)x\(input.height) and motion \(scene.width)x\(scene.height) differ in aspect ratio; the motion is stretched")
            }
        }
        output = info
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        guard !emitted else { return }
        guard case .frame(let frame) = item else { throw GIDError.usage("\(label): takes frames, got motion") }
        var out = scene
        if useInput {
            let image = try frame.rgb()
            out = try scene.resized(width: image.width, height: image.height)
            out.image = image
            out.volume.source = scene.volume.source
        }
        emitted = true
        try emit(.motion(out))
    }

    public func finish(emit: Emit) throws {
        guard !emitted else { return }
        // No picture came: the file's scene on the announced grid.
        emitted = true
        try emit(.motion(try scene.resized(width: output.width, height: output.height)))
    }
}
