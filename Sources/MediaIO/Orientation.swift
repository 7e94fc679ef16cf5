import Graph

/// EXIF orientation (1...8) applied to float pictures so stills come out upright.
enum Orientation {
    /// EXIF orientation from a display-matrix rotation in degrees (ffmpeg's sign convention).
    static func fromRotation(_ degrees: Double) -> Int {
        // An all-zero display matrix gives NaN: no rotation, as ffmpeg treats it.
        guard degrees.isFinite else { return 1 }
        // av_display_rotation_get gives counter-clockwise degrees; ffmpeg autorotate undoes it.
        let r = Int(((-degrees).rounded()).truncatingRemainder(dividingBy: 360) + 360) % 360
        switch r {
        case 90: return 6
        case 180: return 3
        case 270: return 8
        default: return 1
        }
    }

    /// Size after applying `orientation` to a width x height picture.
    static func size(_ orientation: Int, width: Int, height: Int) -> (Int, Int) {
        orientation >= 5 ? (height, width) : (width, height)
    }

    /// Returns the upright picture for EXIF `orientation`.
    static func apply(_ orientation: Int, to img: RGBImage) -> RGBImage {
        guard (2...8).contains(orientation) else { return img }
        let w = img.width, h = img.height
        let (ow, oh) = size(orientation, width: w, height: h)
        // For each output pixel (x, y): source coordinates per EXIF's definition.
        func source(_ x: Int, _ y: Int) -> Int {
            let (sx, sy): (Int, Int)
            switch orientation {
            case 2: (sx, sy) = (w - 1 - x, y)
            case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
            case 4: (sx, sy) = (x, h - 1 - y)
            case 5: (sx, sy) = (y, x)
            case 6: (sx, sy) = (y, h - 1 - x)
            case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
            default: (sx, sy) = (w - 1 - y, x)  // 8
            }
            return sy * w + sx
        }
        var index = [Int](repeating: 0, count: ow * oh)
        for y in 0..<oh { for x in 0..<ow { index[y * ow + x] = source(x, y) } }
        let plane = w * h
        var data = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            for i in 0..<(ow * oh) { data[c * plane + i] = img.data[c * plane + index[i]] }
        }
        let alpha = img.alpha.map { a in index.map { a[$0] } }
        return RGBImage(width: ow, height: oh, data: data, alpha: alpha)
    }
}
