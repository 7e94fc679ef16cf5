import Foundation
import Graph

/// The modal basis the dynamics play (`poke`, `breeze`, the viewer): the raw spectral volume
/// with every coefficient plane smoothed by a guided filter (He et al. 2010) whose guide is the
/// still's luminance.
///
/// Why: measured motion (optical flow of small, real sways) and predicted motion carry
/// pixel-scale noise that a loop at its own amplitude hides, but a pull scales it up: a crane's
/// cable turned into a squiggle and a building's edge wobbled. The guided filter averages each
/// plane over a window of about 1/40 of the width, except across edges of the picture, so a
/// cable or a branch keeps moving as one piece and the still background stays still.
public enum ModalBasis {
    /// Guided filter window radius for a grid `width` wide (grid pixels).
    public static func radius(width: Int) -> Int { max(2, width / 20) }
    /// Regularization: luminance variance (0...1 scale) below which a window counts as flat.
    public static let epsilon: Float = 1e-3

    /// The raw (denormalized) volume's modal basis, guided by `image` (resized to the grid).
    public static func smoothed(_ volume: SpectralVolume, guide image: RGBImage) throws -> SpectralVolume {
        var raw = volume.denormalized()
        let w = raw.width, h = raw.height, n = w * h, r = radius(width: w)
        let rgb = image.resized(width: w, height: h).data
        let guide = (0..<n).map { 0.2126 * rgb[$0] + 0.7152 * rgb[n + $0] + 0.0722 * rgb[2 * n + $0] }
        var meanI = guide
        BoxFilter.mean(&meanI, width: w, height: h, radius: r)
        var varI = guide.map { $0 * $0 }
        BoxFilter.mean(&varI, width: w, height: h, radius: r)
        for i in 0..<n { varI[i] -= meanI[i] * meanI[i] }
        let planes = raw.data.count / n
        let slots = ResultSlots<[Float]>(count: planes)
        let source = raw.data
        let (g, mI, vI) = (guide, meanI, varI)
        parallelStripes(planes, stripes: planes) { first, end in
            for p in first..<end {
                slots[p] = .success(filtered(Array(source[(p * n)..<((p + 1) * n)]), guide: g, meanI: mI, varI: vI,
                                             width: w, height: h, radius: r))
            }
        }
        for p in 0..<planes { raw.data.replaceSubrange((p * n)..<((p + 1) * n), with: try slots.value(p)) }
        return raw
    }

    /// One plane through the guided filter: per window the linear fit q = a I + b, averaged.
    static func filtered(_ p: [Float], guide: [Float], meanI: [Float], varI: [Float], width w: Int, height h: Int, radius r: Int) -> [Float] {
        let n = w * h
        var meanP = p
        BoxFilter.mean(&meanP, width: w, height: h, radius: r)
        var meanIP = (0..<n).map { guide[$0] * p[$0] }
        BoxFilter.mean(&meanIP, width: w, height: h, radius: r)
        var a = [Float](repeating: 0, count: n), b = a
        for i in 0..<n {
            a[i] = (meanIP[i] - meanI[i] * meanP[i]) / (varI[i] + epsilon)
            b[i] = meanP[i] - a[i] * meanI[i]
        }
        BoxFilter.mean(&a, width: w, height: h, radius: r)
        BoxFilter.mean(&b, width: w, height: h, radius: r)
        return (0..<n).map { a[$0] * guide[$0] + b[$0] }
    }
}
