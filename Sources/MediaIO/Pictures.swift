import Graph

/// Single pictures for the tools around the pipeline (`flow`, `bench`): the first picture of a
/// file, a decoded frame as float RGB, and one picture written to PNG (or any format the
/// extension names).
public enum Pictures {
    /// The first picture of a file, as float RGB.
    public static func first(_ path: String) throws -> RGBImage {
        let reader = try MediaReader(path: path)
        guard let frame = try reader.nextFrame() else { throw GIDError.input("\(path): no picture in the file") }
        var grey: LavfiGraph?
        return try rgb(frame, reader: reader, grey: &grey)
    }

    /// A decoded frame as float RGB. Grey sources go through rgb24 first: swscale 5.1's direct
    /// gray -> gbrpf32le conversion is wrong (blocky, contrast lost; the ffmpeg CLI shows the
    /// same), and the Middlebury frames are grey PNGs.
    public static func rgb(_ frame: Frame, reader: MediaReader, grey: inout LavfiGraph?) throws -> RGBImage {
        guard case .native(let picture) = frame.content, picture.pixelFormatName.hasPrefix("gray")
                || picture.pixelFormatName.hasPrefix("ya") else { return try frame.rgb() }
        if grey == nil {
            grey = try LavfiGraph("format=rgb24", width: picture.width, height: picture.height,
                                  inputFormat: picture.pixelFormatName, timeBase: frame.timeBase, frameRate: nil,
                                  outputFormats: ["rgb24"])
        }
        guard let graph = grey, let out = try graph.process(frame).first else {
            throw GIDError.internal("\(reader.path): grey -> rgb24 conversion gave no frame")
        }
        return try out.rgb()
    }

    /// Writes one picture (PNG or any format MediaWriter picks from the extension).
    public static func write(_ image: RGBImage, to path: String, options: EncodeOptions = EncodeOptions()) throws {
        let info = StreamInfo(width: image.width, height: image.height, timeBase: Rational(1, 25), isStill: true, source: path)
        let writer = try MediaWriter(path: path, options: options, input: info)
        try writer.write(Frame(image, pts: 0, duration: 1, timeBase: Rational(1, 25)))
        try writer.finish()
    }
}
