import Graph
import SpectralVolume

/// `viz`: pictures of motion, as one frame (write it as PNG, or as a still video with -t).
public final class VizFilter: Filter {
    public struct Options: FilterOptions {
        public var mode = "heatmap"
        public var row = -1
        public var time = -1.0
        public var spacing = 16
        public var scale = 0.0
        public var grid = 0
        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .choice("mode", \.mode, default: "heatmap", choices: Mode.allCases.map(\.rawValue),
                    help: "heatmap = motion amplitude over I0; xt = X-t slice along a row; spectrum = average power per frequency; arrows = flow arrows over I0"),
            .int("row", \.row, default: -1, range: -1...16383, help: "xt: picture row to slice (-1 = the middle row)"),
            .double("time", \.time, default: -1, range: -1...86400,
                    help: "arrows: texture time in seconds (-1 = the time of largest mean motion in one period)"),
            .int("spacing", \.spacing, default: 16, range: 4...256, help: "arrows: grid step in pixels"),
            .double("scale", \.scale, default: 0, range: 0...1000,
                    help: "arrows: length per pixel of displacement (0 = auto: typical arrows about 0.8*spacing; 1 = true length)"),
            .int("grid", \.grid, default: 0, range: 0...1,
                 help: "heatmap, arrows: 1 = lines at every tenth of the width and height, labelled as the fractions poke's x, y and mask's x=, y= take"),
        ]
    }

    /// What to draw.
    public enum Mode: String, CaseIterable, Sendable {
        case heatmap, xt, spectrum, arrows
    }

    public static let name = "viz"
    public static let summary = "Motion -> one picture: amplitude heatmap, X-t slice, power spectrum chart or flow arrows."
    public static let details = """
        heatmap   RMS displacement of each pixel over a period (inferno colours: bright = moving) over
                  a dimmed grey I0, with a colour bar whose top is labelled in pixels.
        xt        the paper's Fig. 1 (right): row `row` of every frame of the clip stacked top to
                  bottom (x across, time down; W x frames of the clip at the scene's rate).
        spectrum  640x360 chart: average power (mean square displacement, log scale, one grid line
                  per decade) of x (blue) and y (green) per frequency f_k = k/T, labelled in Hz.
        arrows    where each pixel moves at `time`: arrows on a `spacing` grid over I0.
        grid=1 adds lines at every tenth of the picture to heatmap and arrows, labelled 0.1..0.9:
        the coordinates that poke and mask take.
        Examples:
          gid-filter -i scene.gidm -vf viz=heatmap heat.png
          gid-filter -i scene.gidm -vf "viz=heatmap:grid=1" where-to-poke.png
          gid-filter -i scene.gidm -vf "viz=xt:row=200" slice.png
          gid-filter -i scene.gidm -vf "magnify=band=0-1,viz=spectrum" spectrum.png
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.frames

    /// Size of the spectrum chart.
    static let chartSize = (width: 640, height: 360)
    /// Most rows an X-t slice gets (longer clips are sampled more coarsely in time).
    static let maxSliceRows = 2160

    public let output: StreamInfo
    private let label: String
    private let options: Options
    private let mode: Mode

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        self.options = options
        mode = Mode(rawValue: options.mode) ?? .heatmap
        var out = input
        out.kind = .frames
        switch mode {
        case .heatmap, .arrows:
            break
        case .xt:
            guard options.row < input.height else {
                throw GIDError.usage("\(label): row=\(options.row) is outside the picture (0..\(input.height - 1))")
            }
            out.height = Self.sliceRows(clipFrames: input.frameCount)
        case .spectrum:
            out.width = Self.chartSize.width
            out.height = Self.chartSize.height
        }
        out.frameCount = 1
        out.loops = false
        out.duration = nil
        out.isStill = true
        out.pixelFormat = nil
        output = out
    }

    /// Rows of an X-t slice for a clip of `clipFrames` frames (150 when unknown: 5 s at 30 fps).
    static func sliceRows(clipFrames: Int?) -> Int {
        min(max(clipFrames ?? 150, 2), maxSliceRows)
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        scene.volume = scene.volume.denormalized()
        var picture: RGBImage
        switch mode {
        case .heatmap: picture = Self.heatmap(scene)
        case .xt: picture = Self.slice(scene, row: options.row < 0 ? scene.height / 2 : options.row, rows: output.height)
        case .spectrum: picture = Self.spectrum(scene.volume, width: output.width, height: output.height)
        case .arrows: picture = Self.arrows(scene, time: options.time, spacing: options.spacing, scale: options.scale)
        }
        if options.grid == 1, mode == .heatmap || mode == .arrows { picture = Self.fractionGrid(on: picture) }
        try emit(.frame(Frame(picture, pts: 0, duration: 1, timeBase: output.timeBase)))
    }
}
