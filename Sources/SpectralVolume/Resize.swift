import Graph

/// Bilinear resampling of planar float images, pixel centres aligned (as swscale's bilinear).
public enum Resample {
    /// Source coordinate and blend weight for each destination index along one axis.
    static func taps(from src: Int, to dst: Int) -> [(i0: Int, i1: Int, w: Float)] {
        let scale = Double(src) / Double(dst)
        return (0..<dst).map { d in
            let s = min(max((Double(d) + 0.5) * scale - 0.5, 0), Double(src - 1))
            let i0 = Int(s)
            return (i0, min(i0 + 1, src - 1), Float(s - Double(i0)))
        }
    }

    /// Resamples `planes` planes of (h, w) floats to (height, width), multiplying plane p by gains[p].
    public static func planes(_ data: [Float], count planes: Int, width w: Int, height h: Int,
                              toWidth width: Int, height: Int, gains: [Float]? = nil) -> [Float] {
        if w == width, h == height, gains == nil { return data }
        let xs = taps(from: w, to: width), ys = taps(from: h, to: height)
        var out = [Float](repeating: 0, count: planes * width * height)
        for p in 0..<planes {
            let g = gains?[p] ?? 1
            let src = p * w * h, dst = p * width * height
            for (y, ty) in ys.enumerated() {
                let r0 = src + ty.i0 * w, r1 = src + ty.i1 * w
                for (x, tx) in xs.enumerated() {
                    let top = data[r0 + tx.i0] + tx.w * (data[r0 + tx.i1] - data[r0 + tx.i0])
                    let bottom = data[r1 + tx.i0] + tx.w * (data[r1 + tx.i1] - data[r1 + tx.i0])
                    out[dst + y * width + x] = g * (top + ty.w * (bottom - top))
                }
            }
        }
        return out
    }
}

extension RGBImage {
    /// This picture resampled bilinearly to width x height (alpha too).
    public func resized(width: Int, height: Int) -> RGBImage {
        guard width != self.width || height != self.height else { return self }
        let rgb = Resample.planes(data, count: 3, width: self.width, height: self.height, toWidth: width, height: height)
        let a = alpha.map { Resample.planes($0, count: 1, width: self.width, height: self.height, toWidth: width, height: height) }
        return RGBImage(width: width, height: height, data: rgb, alpha: a)
    }
}

extension SpectralVolume {
    /// The volume on a width x height grid: every coefficient plane resampled bilinearly, x
    /// coefficients scaled by width / W and y by height / H so displacements stay in pixels of the
    /// new grid. The transform is linear, so this equals resampling every field F_t the same way.
    public func resized(width: Int, height: Int) throws -> SpectralVolume {
        guard width != self.width || height != self.height else { return self }
        guard width > 0, height > 0 else {
            throw GIDError.usage("spectral volume: size \(width)x\(height) must be positive")
        }
        let raw = denormalized()
        let sx = Float(Double(width) / Double(self.width)), sy = Float(Double(height) / Double(self.height))
        // Planes in `data` order: (re|im, k, axis); axis 0 is x.
        let gains = (0..<(4 * frequencies)).map { $0 % 2 == 0 ? sx : sy }
        let out = Resample.planes(raw.data, count: 4 * frequencies, width: self.width, height: self.height,
                                  toWidth: width, height: height, gains: gains)
        return try SpectralVolume(frequencies: frequencies, width: width, height: height, data: out, fps: fps,
                                  windowSeconds: windowSeconds, source: source)
    }
}

extension Scene {
    /// The scene on a width x height grid (picture and motion resampled together; timeline and
    /// `editGain` kept, and `poke`'s pulls, whose lengths are in grid pixels, scaled with the grid).
    public func resized(width: Int, height: Int) throws -> Scene {
        var out = try Scene(image: image.resized(width: width, height: height),
                            volume: volume.resized(width: width, height: height), timeline: timeline)
        out.editGain = editGain
        out.dynamics = dynamics.map { d in
            var d = d
            let sx = Double(width) / Double(self.width), sy = Double(height) / Double(self.height)
            d.pulls = d.pulls.map { var p = $0; p.dx *= sx; p.dy *= sy; return p }
            return d
        }
        return out
    }
}
