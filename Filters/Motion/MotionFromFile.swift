import Foundation
import Graph
import SpectralVolume

/// `motion=file=...`: the spectral volume of a `.gidm` file on the input's first picture (or scene).
final class MotionFromFile: MotionSource {
    let output: StreamInfo
    private let label: String
    private let scene: Scene
    private let useInput: Bool
    private var emitted = false

    init(file: String, useInput: Bool, input: StreamInfo, label: String) throws {
        self.label = label
        do {
            scene = try MotionFile.read(from: file)
        } catch let e as GIDError {
            throw GIDError(e.kind, "\(label): \(e.message)")
        }
        self.useInput = useInput
        var info = StreamInfo.motion(scene, source: file)
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

    func receive(_ item: StreamItem, emit: Emit) throws {
        guard !emitted else { return }
        var out = scene
        if useInput {
            // The input's picture is I0; on a motion input its timeline is kept too.
            let image: RGBImage
            switch item {
            case .frame(let frame): image = try frame.rgb()
            case .motion:
                let given = try item.scene(for: label)
                image = given.image
                out.timeline = given.timeline
            }
            let timeline = out.timeline
            out = try scene.resized(width: image.width, height: image.height)
            out.image = image
            out.timeline = timeline
            out.volume.source = scene.volume.source
        }
        emitted = true
        try emit(.motion(out))
    }

    func finish(emit: Emit) throws {
        guard !emitted else { return }
        // No picture came: the file's scene on the announced grid.
        emitted = true
        try emit(.motion(try scene.resized(width: output.width, height: output.height)))
    }
}
