import Graph
import MediaIO
import SpectralVolume

/// `mask`: keeps motion only where a mask says (a cinemagraph's painted region): every spectral
/// coefficient of a pixel is multiplied by the mask there, so masked-out parts stay exactly still.
public final class MaskFilter: Filter {
    public struct Options: FilterOptions {
        public var file = ""
        public var x: ClosedRange<Double>?
        public var y: ClosedRange<Double>?
        public var invert = 0
        public var feather = 4.0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .string("file", \.file, default: "",
                    help: "mask picture (any size; stretched to the motion's): white keeps motion, black freezes, grey scales it (its alpha if it has one, else its brightness)"),
            .interval("x", \.x, range: 0...1, help: "without file: the kept rectangle's columns, as fractions of the width (e.g. 0-0.5)"),
            .interval("y", \.y, range: 0...1, help: "without file: the kept rectangle's rows, as fractions of the height"),
            .int("invert", \.invert, default: 0, range: 0...1, help: "1 = keep motion outside the mask instead"),
            .double("feather", \.feather, default: 4, range: 0...200,
                    help: "soft edge, in pixels of the motion's grid (0 = hard edge)"),
        ]
    }

    public static let name = "mask"
    public static let summary = "Keep motion only inside a painted mask or a rectangle (cinemagraphs)."
    public static let details = """
        The mask multiplies every coefficient S_k(p) of the spectral volume, so the displacement at
        p is scaled by the mask at all times: black parts of the picture stay exactly as in I0,
        white parts move as before, and a feathered edge blends the two. A picture is read with
        libav (PNG, JPEG, ...) and stretched to the motion's grid; without one, x= and y= give a
        rectangle in fractions of the picture.
        Examples:
          gid-filter -i lake.jpg -vf "motion,mask=file=water.png,loop=seconds=6" lake.mp4
          -vf "motion,mask=x=0-0.5:feather=10"
          -vf "motion,mask=y=0.6-1:invert=1,loop=seconds=5"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let options: Options
    /// The mask picture as read (before it is fitted to a scene), for `file=`.
    private let picture: [Float]?
    private let pictureSize: (width: Int, height: Int)

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        self.options = options
        output = input
        guard options.file.isEmpty || (options.x == nil && options.y == nil) else {
            throw GIDError.usage("\(label): give file= or a rectangle (x=, y=), not both")
        }
        guard !options.file.isEmpty || options.x != nil || options.y != nil else {
            throw GIDError.usage("\(label): give file=PICTURE (white = keep motion) or a rectangle, e.g. mask=x=0-0.5:y=0.2-1")
        }
        if options.file.isEmpty {
            picture = nil
            pictureSize = (0, 0)
        } else {
            (picture, pictureSize) = try Self.read(options.file)
        }
    }

    /// The mask picture's values 0...1: alpha where it has any, else brightness.
    static func read(_ path: String) throws -> ([Float], (width: Int, height: Int)) {
        let reader = try MediaReader(path: path)
        guard let frame = try reader.nextFrame() else { throw GIDError.input("\(path): no picture in the mask file") }
        let image = try frame.rgb()
        let n = image.planeSize
        var values = [Float](repeating: 0, count: n)
        if let alpha = image.alpha {
            values = alpha
        } else {
            for i in 0..<n {
                let sum: Float = image.data[i] + image.data[n + i] + image.data[2 * n + i]
                values[i] = sum / 3
            }
        }
        return (values.map { min(max($0, 0), 1) }, (image.width, image.height))
    }

    /// The mask on a w x h grid: the picture stretched, or the rectangle; inverted and feathered.
    func mask(width w: Int, height h: Int) -> [Float] {
        var m: [Float]
        if let picture {
            m = Resample.planes(picture, count: 1, width: pictureSize.width, height: pictureSize.height,
                                toWidth: w, height: h)
        } else {
            let xs = options.x ?? 0...1, ys = options.y ?? 0...1
            m = [Float](repeating: 0, count: w * h)
            for py in 0..<h {
                // Pixel centres in fractions of the picture.
                let fy = (Double(py) + 0.5) / Double(h)
                guard ys.contains(fy) else { continue }
                for px in 0..<w where xs.contains((Double(px) + 0.5) / Double(w)) { m[py * w + px] = 1 }
            }
        }
        if options.invert == 1 { m = m.map { 1 - $0 } }
        let r = Int((options.feather / 2).rounded())
        if r > 0 {
            // Twice a box of half the feather: a tent of about its width across the edge.
            BoxFilter.mean(&m, width: w, height: h, radius: r)
            BoxFilter.mean(&m, width: w, height: h, radius: r)
        }
        return m
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        var v = scene.volume.denormalized()
        let m = mask(width: v.width, height: v.height)
        let plane = v.planeSize
        // Rows of the (2K, 2HW) matrix: Re and Im of each bin, x plane then y plane.
        for row in 0..<(2 * v.frequencies) {
            for axis in 0..<2 {
                let base = row * v.fieldSize + axis * plane
                for i in 0..<plane { v.data[base + i] *= m[i] }
            }
        }
        scene.volume = v
        try emit(.motion(scene))
    }
}
