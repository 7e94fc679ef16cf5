import Graph
import SpectralVolume

/// `magnify`: scales the amplitude of motion, everywhere or in a frequency band (paper section 6).
public final class MagnifyFilter: Filter {
    public struct Options: FilterOptions {
        /// Set through `gain` so the filter can tell "gain omitted" from "gain=1".
        public private(set) var gainValue = 1.0
        public private(set) var gainGiven = false
        /// Hz, nil = every frequency.
        public var band: ClosedRange<Double>?

        /// The gain, as the option table writes it.
        public var gain: Double {
            get { gainValue }
            set { gainValue = newValue; gainGiven = true }
        }

        public init() {}
        public static let table: [OptionSpec<Options>] = [
            .double("gain", \.gain, default: 1, range: 0...100,
                    help: "amplitude factor (2 doubles the motion, 0.5 halves it, 0 freezes it); with band, applied only inside the band"),
            .interval("band", \.band, range: 0...1000,
                      help: "frequencies f_k = k/T (Hz, the scene's own time, before slowmo) to act on; band without gain keeps the band and zeroes every other term"),
        ]
    }

    public static let name = "magnify"
    public static let summary = "Scale motion amplitude (G < 1 minifies), optionally only in a frequency band."
    public static let details = """
        Each spectral coefficient S_k (frequency f_k = k / T) is multiplied by a factor:
          gain=G             every term times G (the displacement at every time scales by G)
          gain=G:band=LO-HI  terms with LO <= f_k <= HI times G, the others unchanged
          band=LO-HI         terms inside the band kept, the others set to 0 (a band-pass)
        The mean offset (k = 0, 0 Hz) counts as a term at 0 Hz.
        Examples:
          -vf magnify=2
          -vf "magnify=gain=3:band=0.2-1.0"
          -vf "magnify=band=0-0.6"
        """
    public static let inputKind = StreamKind.motion
    public static let outputKind = StreamKind.motion

    public let output: StreamInfo
    private let label: String
    private let options: Options

    public init(options: Options, input: StreamInfo, context: FilterContext) throws {
        output = input
        label = context.label
        self.options = options
    }

    public func receive(_ item: StreamItem, emit: Emit) throws {
        var scene = try item.scene(for: label)
        scene.volume = Self.apply(options, to: scene.volume)
        scene.editGain = min(max(scene.editGain * Self.largestMovingFactor(options, volume: scene.volume),
                                 Scene.editGainRange.lowerBound), Scene.editGainRange.upperBound)
        try emit(.motion(scene))
    }

    /// The per-frequency factor for bin k at `hz`.
    static func factor(_ o: Options, hz: Double) -> Float {
        guard let band = o.band else { return Float(o.gainValue) }
        // A hair of slack so a band edge typed as 0.2 keeps a bin computed as 1/5.
        let inside = hz >= band.lowerBound - 1e-9 && hz <= band.upperBound + 1e-9
        if o.gainGiven { return inside ? Float(o.gainValue) : 1 }
        return inside ? 1 : 0
    }

    /// The largest factor on a moving term (k >= 1): how much the displacements grew, as far as
    /// `render`'s test for noisy motion is concerned (1 for a band-pass; 0 when all motion is off).
    static func largestMovingFactor(_ o: Options, volume: SpectralVolume) -> Double {
        guard volume.frequencies > 1 else { return 1 }
        return Double((1..<volume.frequencies).map { factor(o, hz: volume.frequency($0)) }.max() ?? 1)
    }

    /// Scales the raw (denormalized) coefficients; the result is a raw volume.
    static func apply(_ o: Options, to volume: SpectralVolume) -> SpectralVolume {
        var v = volume.denormalized()
        let cols = v.fieldSize, part = v.partSize
        for k in 0..<v.frequencies {
            let f = factor(o, hz: v.frequency(k))
            guard f != 1 else { continue }
            for base in [k * cols, part + k * cols] {
                for i in base..<(base + cols) { v.data[i] *= f }
            }
        }
        return v
    }
}
