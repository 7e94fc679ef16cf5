import Graph
import SpectralVolume

/// `viewer`: turns the scene into one self-contained HTML page where a person drags on the
/// picture and watches it ring down (paper section 6, interactive dynamics, in the browser).
/// The chain ends here: the command line writes the page to an `.html` output.
public final class ViewerFilter: Filter {
    public struct Options: FilterOptions {
        public var page = ViewerPage.Settings()

        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .int("width", \.page.width, default: 0, range: 0...4096, help: "width of the embedded picture; 0 = the scene's, at most 1024"),
            .int("grid", \.page.grid, default: 0, range: 0...1024,
                 help: "width of the embedded motion's grid (smaller: a smaller file, coarser motion, faster); 0 = a quarter of the picture's, 64 to 256"),
            .int("modes", \.page.modes, default: 0, range: 0...64, help: "keep the N strongest modes (smoother ones first); 0 = all"),
            .double("decay", \.page.decay, default: 1.5, range: 0.2...10, help: "the page's starting damping: seconds for a released pull to fall to 1/e"),
            .bool("ambient", \.page.ambient, default: false, help: "start with the scene's own looping motion on"),
            .bool("breeze", \.page.breeze, default: false, help: "start with the breeze on"),
            .string("title", \.page.title, default: "", help: "the page's title (default: the input's name)"),
        ]
    }

    public static let name = "viewer"
    public static let summary = "Write an interactive HTML page: drag on the picture, let go, watch it ring down."
    public static let details = """
        One self-contained file, no network: the still and its modal basis (every bin of the
        spectral volume, quantized to 8 bits and compressed) with the page's own script. In it:
        drag with the mouse or a finger and let go; sliders for damping and strength; the
        scene's own loop and a breeze on or off; "save video" records the canvas to WebM.
        WebGL2, with a canvas-2D fallback (add #renderer=2d to the address to force it). The
        modal equations are the poke and breeze filters' (docs/dynamics.md). viewer ends the
        chain and needs an .html output.
        Examples:
          gid-filter -i tree.jpg -vf "motion,viewer" tree.html
          gid-filter -i clip.mp4 -vf "motion,viewer=width=1024:ambient=1" clip.html
          gid-filter -i scene.gidm -vf "viewer=modes=8:grid=128" small.html
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let settings: ViewerPage.Settings

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        label = context.label
        var page = options.page
        if page.title.isEmpty { page.title = String(input.source.split(separator: "/").last ?? "gid-filter") }
        settings = page
        output = input
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        let scene = try item.scene(for: label)
        try emit(.motion(try ViewerPage(scene: scene, settings: settings, label: label)))
    }
}
