import CZlib
import Foundation
import Graph
import MediaIO
import SpectralVolume

/// The viewer's HTML page: `viewer.html` with the scene embedded as JSON (the format is in
/// docs/dynamics.md): the still as WebP, the modal basis (the spectral volume's bins, or the
/// strongest of them) on a reduced grid, quantized to 8 bits per mode and zlib-compressed.
public struct ViewerPage: DocumentItem {
    public let width: Int
    public let height: Int
    public let bytes: [UInt8]
    public var fileExtension: String { "html" }

    /// What the page is made from and how it starts.
    public struct Settings: Sendable {
        /// Width of the embedded still (0: the scene's, at most 1024).
        public var width = 0
        /// Width of the mode planes (0: a quarter of the still's, 64...256).
        public var grid = 0
        /// Bins kept, the strongest (weighted by their smoothness) first; 0: every bin.
        public var modes = 0
        public var decay = 1.5
        public var ambient = false
        public var breeze = false
        /// The page title (empty: the viewer filter puts the input's name).
        public var title = ""
        public init() {}
    }

    public static let placeholder = "__GID_DATA__"
    public static let titlePlaceholder = "__GID_TITLE__"

    public init(scene: Scene, settings: Settings, label: String) throws {
        let sw = scene.image.width, sh = scene.image.height
        let w = settings.width > 0 ? settings.width : min(sw, 1024)
        let h = max(2, Int((Double(sh) * Double(w) / Double(sw)).rounded()))
        // A quarter of the picture per side by default: the page sums every mode at every grid
        // point per frame, and software WebGL kept 30 fps at 128x72, not at 512x288.
        let gw = settings.grid > 0 ? min(settings.grid, w) : min(w, max(64, min(256, w / 4)))
        let gh = max(1, Int((Double(h) * Double(gw) / Double(w)).rounded()))
        let still = try Self.webp(scene.image.resized(width: w, height: h), label: label)

        // The same modal basis as poke and breeze: smoothed modes, weights from the raw volume.
        let unsmoothed = scene.volume.denormalized()
        let shapes = ModeShapes(raw: unsmoothed)
        let raw = try ModalBasis.smoothed(unsmoothed, guide: scene.image)
        let bins = Self.strongest(raw, shapes: shapes, keep: settings.modes)
        // Coefficients in pixels of the embedded still, on the (gw, gh) grid.
        let sx = Float(Double(w) / Double(raw.width)), sy = Float(Double(h) / Double(raw.height))
        var modes: [[String: Any]] = []
        var basis = [Int8]()
        basis.reserveCapacity(bins.count * 4 * gw * gh)
        for k in bins {
            let planes = [(0, 0), (1, 0), (0, 1), (1, 1)].map { part, axis in
                Self.downsampled(raw, k: k, part: part, axis: axis, gain: axis == 0 ? sx : sy, width: gw, height: gh)
            }
            let scale = max(1e-6, planes.map { $0.map(abs).max() ?? 0 }.max() ?? 0)
            for p in planes { basis += p.map { Int8(max(-127, min(127, ($0 / scale * 127).rounded()))) } }
            modes.append(["hz": raw.frequency(k), "scale": Double(scale),
                          "decay": Dynamics.modeDecay(1, hz: raw.frequency(k)), "weight": shapes.weights[k]])
        }
        let packed = try Self.deflate(basis.withUnsafeBytes { Array($0) }, label: label)
        let limit = Double(Dynamics.displacementLimit(width: w, height: h))
        let data: [String: Any] = [
            "format": "gid-viewer", "version": 1,
            "image": ["width": w, "height": h, "src": "data:image/webp;base64," + Data(still).base64EncodedString()],
            "grid": ["width": gw, "height": gh],
            "modes": modes,
            "basis": Data(packed).base64EncodedString(),
            "settings": ["decay": settings.decay, "strength": 1.0, "ambient": settings.ambient, "breeze": settings.breeze,
                         "maxPull": limit, "maxDisplacement": limit, "breezeStrength": 1.0, "gust": 0.5],
        ]
        let json = try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])
        var page = String(decoding: PackageResources.viewer_html, as: UTF8.self)
        guard page.contains(Self.placeholder) else { throw GIDError.internal("\(label): viewer template has no data placeholder") }
        // Data first: a title that spells a placeholder is then only ever text.
        page = page.replacingOccurrences(of: Self.placeholder, with: String(decoding: json, as: UTF8.self))
        page = page.replacingOccurrences(of: Self.titlePlaceholder, with: Self.escaped(settings.title))
        width = w
        height = h
        bytes = Array(page.utf8)
    }

    /// Bins 1..<K, the `keep` with the most smoothness-weighted energy (all when keep is 0), in order.
    static func strongest(_ raw: SpectralVolume, shapes: ModeShapes, keep: Int) -> [Int] {
        let bins = Array(1..<raw.frequencies)
        guard keep > 0, keep < bins.count else { return bins }
        let energy = bins.map { k -> Double in
            var e = 0.0
            for part in 0..<2 {
                let base = part * raw.partSize + raw.index(k: k, axis: 0, y: 0, x: 0)
                for i in 0..<raw.fieldSize { e += Double(raw.data[base + i] * raw.data[base + i]) }
            }
            return e * shapes.weights[k]
        }
        return bins.indices.sorted { energy[$0] > energy[$1] }.prefix(keep).map { bins[$0] }.sorted()
    }

    /// One coefficient plane averaged over boxes onto (width, height), times `gain`: a box, not
    /// a point sample, so fine flow noise averages out instead of aliasing into the grid.
    static func downsampled(_ raw: SpectralVolume, k: Int, part: Int, axis: Int, gain: Float, width: Int, height: Int) -> [Float] {
        let start = part * raw.partSize + raw.index(k: k, axis: axis, y: 0, x: 0)
        let plane = Array(raw.data[start..<(start + raw.planeSize)])
        let fx = max(1, Int((Double(raw.width) / Double(width)).rounded(.up)))
        let fy = max(1, Int((Double(raw.height) / Double(height)).rounded(.up)))
        let fine = Resample.planes(plane, count: 1, width: raw.width, height: raw.height, toWidth: width * fx, height: height * fy)
        var out = [Float](repeating: 0, count: width * height)
        let norm = gain / Float(fx * fy)
        for y in 0..<height {
            for x in 0..<width {
                var s: Float = 0
                for j in 0..<fy { for i in 0..<fx { s += fine[(y * fy + j) * width * fx + x * fx + i] } }
                out[y * width + x] = s * norm
            }
        }
        return out
    }

    /// The still as WebP (quality 92), through libav like every other picture.
    static func webp(_ image: RGBImage, label: String) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.path
        let path = "\(dir)/gid-viewer-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).webp"
        let token = TempFiles.register(path)
        defer { unlink(path); TempFiles.unregister(token) }
        try Pictures.write(image, to: path, options: EncodeOptions(crf: 4))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GIDError.output("\(label): cannot read back the still's WebP (\(path))")
        }
        return [UInt8](data)
    }

    static func deflate(_ input: [UInt8], label: String) throws -> [UInt8] {
        var size = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in compress2(o.baseAddress, &size, i.baseAddress, uLong(input.count), 9) }
        }
        guard rc == Z_OK else { throw GIDError.internal("\(label): zlib compress2 failed (\(rc))") }
        return Array(out.prefix(Int(size)))
    }

    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
