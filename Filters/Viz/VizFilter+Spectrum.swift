import Foundation
import Graph
import SpectralVolume

extension VizFilter {
    /// Bar chart of the average power per frequency (paper Fig. 2, left): x blue, y green, log
    /// scale with a grid line per decade, frequency labels in Hz, legend top right.
    static func spectrum(_ volume: SpectralVolume, width: Int, height: Int) -> RGBImage {
        let (px, py) = volume.powerSpectrum()
        var canvas = Canvas(width: width, height: height, background: .white)
        let K = volume.frequencies
        // Plot area; the left margin holds decade labels like "1e-3".
        let left = 56, right = width - 16, top = 30, bottom = height - 40
        let plotW = right - left, plotH = bottom - top

        // Decades spanned: from the largest power down to the smallest positive one, at most 8.
        let positive = (px + py).filter { $0 > 0 && $0.isFinite }
        let hiExp = Int((log10(positive.max() ?? 1)).rounded(.up))
        let loExp = max(Int((log10(positive.min() ?? 0.1)).rounded(.down)), hiExp - 8)
        let decades = max(hiExp - loExp, 1)
        func y(_ power: Double) -> Float {
            guard power > 0 else { return Float(bottom) }
            let f = (log10(power) - Double(loExp)) / Double(decades)
            return Float(bottom) - Float(min(max(f, 0), 1)) * Float(plotH)
        }

        // Grid and y labels, one per decade (every other one when crowded).
        let labelEvery = plotH / decades < 18 ? 2 : 1
        for e in loExp...(loExp + decades) {
            let yy = Int(y(pow(10, Double(e))).rounded())
            canvas.fill(x0: left, y0: yy, x1: right, y1: yy + 1, .grid)
            canvas.fill(x0: left - 5, y0: yy, x1: left, y1: yy + 1, .axis)
            guard (e - loExp) % labelEvery == 0 else { continue }
            let text = e == 0 ? "1" : "1e\(e)"
            canvas.text(text, x: left - 8 - Canvas.textWidth(text), y: yy - Font.height / 2, .axis)
        }

        // Bars: a group per frequency, x then y.
        let group = Float(plotW) / Float(K)
        let barW = max(1, Int(group * 0.36))
        for k in 0..<K {
            let gx = Float(left) + group * Float(k) + group / 2
            for (i, (power, colour)) in [(px[k], Colour.xAxis), (py[k], Colour.yAxis)].enumerated() {
                let x0 = i == 0 ? Int(gx) - barW : Int(gx)
                canvas.fill(x0: x0, y0: Int(y(power).rounded()), x1: x0 + barW, y1: bottom, colour)
            }
            // Tick under every group; a label wherever it fits without touching the last one.
            canvas.fill(x0: Int(gx), y0: bottom, x1: Int(gx) + 1, y1: bottom + 5, .axis)
        }
        let labels = (0..<K).map { label(volume.frequency($0)) }
        let widest = labels.map { Canvas.textWidth($0) }.max() ?? 0
        let every = max(1, Int((Float(widest + 8) / group).rounded(.up)))
        for k in stride(from: 0, to: K, by: every) {
            let gx = Int(Float(left) + group * Float(k) + group / 2)
            canvas.text(labels[k], x: gx - Canvas.textWidth(labels[k]) / 2, y: bottom + 9, .axis)
        }
        canvas.text("Hz", x: right - Canvas.textWidth("Hz"), y: bottom + 24, .axis)

        // Axes drawn last so bars do not cover them.
        canvas.fill(x0: left, y0: top, x1: left + 1, y1: bottom + 1, .axis)
        canvas.fill(x0: left, y0: bottom, x1: right, y1: bottom + 1, .axis)

        // Legend: a swatch and a letter per axis.
        for (i, (name, colour)) in [("X", Colour.xAxis), ("Y", Colour.yAxis)].enumerated() {
            let lx = right - 70 + i * 36, ly = 10
            canvas.fill(x0: lx, y0: ly, x1: lx + 12, y1: ly + 9, colour)
            canvas.text(name, x: lx + 16, y: ly + 1, .axis)
        }
        // Unit of the power axis: px squared (the 2 raised as a superscript).
        canvas.text("px", x: 8, y: 12, .axis)
        canvas.text("2", x: 8 + Canvas.textWidth("px") + 2, y: 8, .axis)
        return canvas.image
    }
}
