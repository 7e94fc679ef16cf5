import Foundation
import Graph
import SpectralVolume

/// `motionsave`: writes each scene to a `.gidm` file and passes it on unchanged.
public final class MotionSaveFilter: Filter {
    public struct Options: FilterOptions {
        public var file = ""
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .string("file", \.file, default: "", help: "motion file to write (.gidm, safetensors; see docs/motion-file.md)"),
        ]
    }

    public static let name = "motionsave"
    public static let summary = "Write the motion (I0 + spectral volume + timeline) to a .gidm file, passing it on."
    public static let details = """
        The file is written through a hidden temporary file renamed into place, so it is either
        complete or absent. An existing file is replaced (as ffmpeg's filters that write files do;
        -y/-n govern the main output only).
        Examples:
          gid-filter -i scene.gidm -vf "magnify=2,motionsave=bigger.gidm" out.mp4
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let path: String

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        guard !options.file.isEmpty else { throw GIDError.usage("\(label): give file=NAME.gidm") }
        // Fail before any work if the folder cannot take the file.
        let dir = URL(fileURLWithPath: options.file).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw GIDError.output("\(label): file=\(options.file): folder \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw GIDError.output("\(label): file=\(options.file): folder \(dir) is not writable")
        }
        path = options.file
        output = input
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        let scene = try item.scene(for: label)
        do {
            try MotionFile.write(scene, to: path)
        } catch let e as GIDError {
            throw GIDError(e.kind, "\(label): \(e.message)")
        }
        try emit(item)
    }
}
