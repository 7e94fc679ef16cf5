import Foundation
import Graph
import SpectralVolume

extension VizFilter {
    /// I0 as dimmed grey, so colours drawn over it read as data, not as the picture's own.
    static func dimmedGrey(_ image: RGBImage, level: Float) -> Canvas {
        let n = image.planeSize
        var canvas = Canvas(image)
        for p in 0..<n {
            let y = level * (0.2126 * image.data[p] + 0.7152 * image.data[n + p] + 0.0722 * image.data[2 * n + p])
            canvas.data[p] = y
            canvas.data[n + p] = y
            canvas.data[2 * n + p] = y
        }
        return canvas
    }

    /// The value below which `fraction` of `values` lie (nearest rank), for robust colour scales.
    static func quantile(_ values: [Float], _ fraction: Double) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }

    /// Short label for a positive number: "0.25", "3.1", "12", "2e-3".
    static func label(_ x: Double) -> String {
        if x == 0 { return "0" }
        if x >= 1e6 || !x.isFinite { return String(format: "%.0e", x) }
        if x >= 100 { return String(format: "%.0f", x) }
        if x >= 10 { return String(format: "%.0f", x) }
        if x >= 1 { return String(format: "%.1f", x) }
        if x >= 0.01 {
            var t = String(format: "%.2f", x)
            while t.hasSuffix("0") { t.removeLast() }
            return t
        }
        return String(format: "%.0e", x).replacingOccurrences(of: "e-0", with: "e-")
    }

    /// Amplitude heatmap: RMS displacement per pixel (inferno) over dimmed I0, with a colour bar.
    static func heatmap(_ scene: Scene) -> RGBImage {
        let amplitude = scene.volume.oscillationAmplitude()
        // The 99.5th percentile as full scale, so a few wild pixels do not wash the rest out.
        var top = quantile(amplitude, 0.995)
        if top <= 0 { top = amplitude.max() ?? 0 }
        var canvas = dimmedGrey(scene.image, level: 0.6)
        let n = scene.image.planeSize, w = scene.width
        for p in 0..<n {
            let v = top > 0 ? min(amplitude[p] / top, 1) : 0
            // Still pixels keep most of the picture; moving ones take the colour over.
            canvas.blend(p % w, p / w, Colour.inferno(v), 0.25 + 0.7 * v.squareRoot())
        }
        colourBar(&canvas, top: Double(top), unit: "px")
        return canvas.image
    }

    /// Lines at every tenth of the width and height, labelled 0.1..0.9 along the top and left
    /// edges (labels left out where the picture is too small for them).
    static func fractionGrid(on image: RGBImage) -> RGBImage {
        var canvas = Canvas(image)
        let w = Float(image.width), h = Float(image.height)
        for i in 1...9 {
            let f = Float(i) / 10
            // Through pixel centres: tenth i lies at f * size - 0.5 in pixel coordinates.
            let x = f * w - 0.5, y = f * h - 0.5
            let c: Colour = i == 5 ? .white : Colour(r: 0.85, g: 0.85, b: 0.85)
            canvas.line(x, 0, x, h - 1, thickness: i == 5 ? 1.5 : 1, c)
            canvas.line(0, y, w - 1, y, thickness: i == 5 ? 1.5 : 1, c)
        }
        guard image.width >= 240, image.height >= 120 else { return canvas.image }
        for i in 1...9 {
            let text = "0.\(i)"
            let x = Int(Float(i) / 10 * w) + 3, y = Int(Float(i) / 10 * h) + 3
            for (tx, ty) in [(x, 3), (3, y)] {
                canvas.text(text, x: tx + 1, y: ty + 1, .black)
                canvas.text(text, x: tx, y: ty, .white)
            }
        }
        return canvas.image
    }

    /// A vertical inferno bar at the right edge, labelled with its top value.
    static func colourBar(_ canvas: inout Canvas, top: Double, unit: String) {
        let w = canvas.width, h = canvas.height
        let barW = max(4, w / 64), barH = max(8, h * 2 / 5)
        let scale = h >= 240 ? 2 : 1
        let x0 = w - barW - max(6, w / 60), y1 = h - max(6, h / 30), y0 = y1 - barH
        guard x0 > 0, y0 > Font.height * scale + 6 else { return }
        canvas.fill(x0: x0 - 1, y0: y0 - 1, x1: x0 + barW + 1, y1: y1 + 1, .black)
        for y in y0..<y1 {
            let c = Colour.inferno(Float(y1 - 1 - y) / Float(max(barH - 1, 1)))
            canvas.fill(x0: x0, y0: y, x1: x0 + barW, y1: y + 1, c)
        }
        let text = label(top) + unit
        let tx = min(x0 + barW - Canvas.textWidth(text, scale: scale), w - Canvas.textWidth(text, scale: scale) - 2)
        let ty = y0 - Font.height * scale - 4
        canvas.text(text, x: tx + scale, y: ty + scale, scale: scale, .black)
        canvas.text(text, x: tx, y: ty, scale: scale, .white)
    }

    /// X-t slice: row `row` of the clip's frames, one output row per frame (time runs down).
    static func slice(_ scene: Scene, row: Int, rows: Int) -> RGBImage {
        let v = scene.volume, w = v.width
        // The row's coefficients only: a (K, 2, 1, W) volume, so F along the row is cheap to evaluate.
        var sub = [Float](repeating: 0, count: 4 * v.frequencies * w)
        var o = 0
        for part in 0..<2 {
            for k in 0..<v.frequencies {
                for axis in 0..<2 {
                    let base = part * v.partSize + v.index(k: k, axis: axis, y: row, x: 0)
                    sub.replaceSubrange(o..<(o + w), with: v.data[base..<(base + w)])
                    o += w
                }
            }
        }
        let plan = scene.defaultPlan
        let step = plan.step * Double(plan.frameCount) / Double(rows)
        let times = (0..<rows).map { Double($0) * step }
        guard let line = try? SpectralVolume(frequencies: v.frequencies, width: w, height: 1, data: sub, fps: v.fps,
                                             windowSeconds: v.windowSeconds) else { return RGBImage(width: w, height: rows) }
        let fields = line.fields(atFrames: times)    // (rows, 2, 1, W)
        let image = scene.image, n = image.planeSize, h = image.height
        var out = [Float](repeating: 0, count: 3 * w * rows)
        for t in 0..<rows {
            for x in 0..<w {
                // Backward sampling, as the reference renderer does: I_t(q) = I0(q - F_t(q)).
                let fx = fields[t * 2 * w + x], fy = fields[t * 2 * w + w + x]
                let sx = min(max(Float(x) - (fx.isFinite ? fx : 0), 0), Float(w - 1))
                let sy = min(max(Float(row) - (fy.isFinite ? fy : 0), 0), Float(h - 1))
                let x0 = Int(sx), y0 = Int(sy), x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                let ax = sx - Float(x0), ay = sy - Float(y0)
                for c in 0..<3 {
                    let b = c * n
                    let top = image.data[b + y0 * w + x0] * (1 - ax) + image.data[b + y0 * w + x1] * ax
                    let bottom = image.data[b + y1 * w + x0] * (1 - ax) + image.data[b + y1 * w + x1] * ax
                    out[c * w * rows + t * w + x] = top * (1 - ay) + bottom * ay
                }
            }
        }
        return RGBImage(width: w, height: rows, data: out)
    }

    /// Flow arrows: where the pixel at each grid point moves at `time` (texture seconds).
    static func arrows(_ scene: Scene, time: Double, spacing: Int, scale: Double) -> RGBImage {
        let v = scene.volume, w = v.width, h = v.height, n = v.planeSize
        let field = v.field(atSeconds: time >= 0 ? time : busiestTime(v))
        var canvas = Canvas(scene.image)
        for i in 0..<canvas.data.count { canvas.data[i] *= 0.55 }
        // Grid points at cell centres.
        var points: [(x: Int, y: Int)] = []
        for y in stride(from: spacing / 2, to: h, by: spacing) {
            for x in stride(from: spacing / 2, to: w, by: spacing) { points.append((x, y)) }
        }
        let lengths = points.map { p -> Float in
            let dx = field[p.y * w + p.x], dy = field[n + p.y * w + p.x]
            return (dx * dx + dy * dy).squareRoot()
        }
        var k = Float(scale)
        if k == 0 {
            let typical = quantile(lengths, 0.95)
            k = typical > 0 ? 0.8 * Float(spacing) / typical : 1
        }
        let thickness: Float = spacing >= 12 ? 1.6 : 1.1
        // Every outline first, then every arrow, so no outline cuts through a neighbour's arrow.
        for (t, colour) in [(thickness + 1.5, Colour.black), (thickness, Colour.arrow)] {
            for (p, len) in zip(points, lengths) {
                let ax = Float(p.x), ay = Float(p.y)
                let dx = field[p.y * w + p.x] * k, dy = field[n + p.y * w + p.x] * k
                let l = len * k
                guard l >= 1.5 else {
                    // Still points: a faint dot, so the grid reads as "measured, not moving".
                    if colour.r == Colour.arrow.r { canvas.blend(p.x, p.y, .white, 0.35) }
                    continue
                }
                let bx = ax + dx, by = ay + dy
                // Head: two barbs at +-25 degrees, a third of the length (at most 6 px).
                let head = min(l / 3, 6), ux = dx / l, uy = dy / l
                let c: Float = 0.906, s: Float = 0.423
                canvas.line(ax, ay, bx, by, thickness: t, colour)
                canvas.line(bx, by, bx - head * (c * ux - s * uy), by - head * (s * ux + c * uy), thickness: t, colour)
                canvas.line(bx, by, bx - head * (c * ux + s * uy), by - head * (-s * ux + c * uy), thickness: t, colour)
            }
        }
        return canvas.image
    }

    /// The texture time (seconds) among 32 of one period with the largest mean displacement length.
    static func busiestTime(_ v: SpectralVolume) -> Double {
        let samples = 32
        var best = (time: 0.0, mean: -Float.infinity)
        for i in 0..<samples {
            let t = Double(i) * v.windowSeconds / Double(samples)
            let f = v.field(atSeconds: t), n = v.planeSize
            var sum: Float = 0
            for p in 0..<n { sum += (f[p] * f[p] + f[n + p] * f[n + p]).squareRoot() }
            if sum / Float(n) > best.mean { best = (t, sum / Float(n)) }
        }
        return best.time
    }
}
