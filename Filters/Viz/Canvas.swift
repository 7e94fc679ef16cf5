import Foundation
import Graph

/// An RGB colour, components 0...1.
struct Colour {
    var r: Float, g: Float, b: Float

    static let white = Colour(r: 1, g: 1, b: 1)
    static let black = Colour(r: 0, g: 0, b: 0)
    static let axis = Colour(r: 0.15, g: 0.15, b: 0.18)
    static let grid = Colour(r: 0.88, g: 0.89, b: 0.91)
    /// The paper's Fig. 2 colours: X blue, Y green.
    static let xAxis = Colour(r: 0.16, g: 0.38, b: 0.78)
    static let yAxis = Colour(r: 0.20, g: 0.62, b: 0.30)
    static let arrow = Colour(r: 1.0, g: 0.86, b: 0.2)

    /// matplotlib's "inferno" at v in 0...1 (9 stops, interpolated): dark = still, bright = moving.
    static func inferno(_ v: Float) -> Colour {
        let stops: [(Float, Float, Float)] = [
            (0.001, 0.000, 0.014), (0.087, 0.044, 0.224), (0.258, 0.039, 0.406), (0.416, 0.090, 0.433),
            (0.578, 0.148, 0.404), (0.735, 0.216, 0.330), (0.865, 0.317, 0.226), (0.954, 0.469, 0.099),
            (0.988, 0.998, 0.645),
        ]
        let x = min(max(v.isFinite ? v : 0, 0), 1) * Float(stops.count - 1)
        let i = min(Int(x), stops.count - 2), t = x - Float(i)
        let a = stops[i], b = stops[i + 1]
        return Colour(r: a.0 + t * (b.0 - a.0), g: a.1 + t * (b.1 - a.1), b: a.2 + t * (b.2 - a.2))
    }
}

/// A planar RGB picture to draw on: filled rectangles, anti-aliased lines, 5x7 pixel text.
struct Canvas {
    let width: Int
    let height: Int
    /// (3, H, W) planar.
    var data: [Float]

    init(width: Int, height: Int, background: Colour) {
        self.width = width
        self.height = height
        let n = width * height
        data = [Float](repeating: background.r, count: n) + [Float](repeating: background.g, count: n)
            + [Float](repeating: background.b, count: n)
    }

    init(_ image: RGBImage) {
        width = image.width
        height = image.height
        data = image.data
    }

    var image: RGBImage { RGBImage(width: width, height: height, data: data) }

    /// Mixes `c` into pixel (x, y) with coverage `a` (clipped to the picture).
    mutating func blend(_ x: Int, _ y: Int, _ c: Colour, _ a: Float) {
        guard x >= 0, y >= 0, x < width, y < height, a > 0 else { return }
        let p = y * width + x, n = width * height, k = min(a, 1)
        data[p] += k * (c.r - data[p])
        data[n + p] += k * (c.g - data[n + p])
        data[2 * n + p] += k * (c.b - data[2 * n + p])
    }

    /// Fills the pixel rectangle [x0, x1) x [y0, y1).
    mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ c: Colour, opacity: Float = 1) {
        for y in max(y0, 0)..<min(y1, height) where y1 > y0 {
            for x in max(x0, 0)..<min(x1, width) where x1 > x0 { blend(x, y, c, opacity) }
        }
    }

    /// An anti-aliased segment of `thickness` pixels (coverage from the distance to the segment).
    mutating func line(_ ax: Float, _ ay: Float, _ bx: Float, _ by: Float, thickness: Float, _ c: Colour) {
        // Magnified motion can put an end point anywhere (or at infinity): draw only what is on the canvas.
        guard ax.isFinite, ay.isFinite, bx.isFinite, by.isFinite else { return }
        let r = thickness / 2
        func pixel(_ v: Float, _ limit: Int) -> Int { Double(v).clampedInt(-1...limit) }
        let minX = pixel((min(ax, bx) - r - 1).rounded(.down), width), maxX = pixel((max(ax, bx) + r + 1).rounded(.up), width)
        let minY = pixel((min(ay, by) - r - 1).rounded(.down), height), maxY = pixel((max(ay, by) + r + 1).rounded(.up), height)
        let dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
        let x0 = max(minX, 0), x1 = min(maxX, width - 1), y0 = max(minY, 0), y1 = min(maxY, height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let px = Float(x) - ax, py = Float(y) - ay
                let t = len2 > 0 ? min(max((px * dx + py * dy) / len2, 0), 1) : 0
                let ex = px - t * dx, ey = py - t * dy
                let d = (ex * ex + ey * ey).squareRoot()
                blend(x, y, c, r + 0.5 - d)
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide.
    mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ c: Colour) {
        var cx = x
        for ch in text {
            if let rows = Font.glyphs[ch] {
                for (j, row) in rows.enumerated() {
                    for (i, bit) in row.enumerated() where bit == "#" {
                        fill(x0: cx + i * scale, y0: y + j * scale, x1: cx + (i + 1) * scale, y1: y + (j + 1) * scale, c)
                    }
                }
            }
            cx += (Font.advance) * scale
        }
    }

    /// Width in pixels of `text` at `scale`.
    static func textWidth(_ text: String, scale: Int = 1) -> Int {
        max(0, text.count * Font.advance * scale - scale)
    }
}

/// A 5x7 pixel font for chart labels: digits and the few letters units need.
enum Font {
    static let height = 7
    static let advance = 6
    static let glyphs: [Character: [String]] = [
        "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        "3": ["####.", "....#", "....#", ".###.", "....#", "....#", "####."],
        "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        ".": [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        "-": [".....", ".....", ".....", "#####", ".....", ".....", "....."],
        "e": [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
        "H": ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        "z": [".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"],
        "p": [".....", ".....", "####.", "#...#", "####.", "#....", "#...."],
        "x": [".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"],
        "s": [".....", ".....", ".####", "#....", ".###.", "....#", "####."],
        "X": ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        "Y": ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
        " ": [".....", ".....", ".....", ".....", ".....", ".....", "....."],
    ]
}
