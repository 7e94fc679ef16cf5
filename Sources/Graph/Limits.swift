import Foundation

/// The ranges every number must fall in where it enters (command line, graph options, container
/// and .gidm metadata, model configs), and the caps on what one run may generate.
///
/// A value that passes "finite and > 0" can still trap the Swift runtime when it becomes an Int
/// (1e19 s * 25 fps) or exhaust memory (a 10000x10000 render), so entry points check against these
/// and fail with one line instead; `Double.checkedInt` is the one conversion used after that.
public enum Limits {
    /// Frame rates, frames per second. Above 1000 no encoder we ship keeps up and no camera films.
    public static let frameRate: ClosedRange<Double> = 1e-3...1000
    /// Times and durations, seconds: 1e6 s is 11.6 days, far beyond any clip, well inside Int64 microseconds.
    public static let seconds: ClosedRange<Double> = 0...1e6
    /// A picture side, pixels (libav's own limit for most codecs is 16384).
    public static let side: ClosedRange<Int> = 1...16384

    /// Most frames one filter may generate from one input item (render's clip, lavfi's tpad or
    /// loop, a still repeated by -t): 500000 is 5.5 hours at 25 fps. `-frame_limit` changes it;
    /// 0 lifts it. Stops an endless libavfilter source (tpad=stop=-1) with an error, not a full disk.
    nonisolated(unsafe) public static var generatedFrames = 500_000

    /// Memory one run may plan to use, bytes: half the machine's RAM by default (`-max_memory`
    /// changes it). A filter whose peak memory is a known function of its sizes (render) refuses
    /// sizes that would need more, instead of being killed half-way.
    nonisolated(unsafe) public static var memoryBytes: Double = Double(ProcessInfo.processInfo.physicalMemory) / 2

    /// Throws a usage error naming `what` when `count` frames exceed `generatedFrames`.
    public static func checkGenerated(_ count: Int, _ what: String) throws {
        guard generatedFrames > 0, count > generatedFrames else { return }
        throw GIDError.usage("\(what): would make more than \(generatedFrames) frames (an endless source?); shorten it (-t, -frames:v) or raise -frame_limit (0 = no limit)")
    }

    /// Throws a usage error naming `what` when `bytes` exceed `memoryBytes`.
    public static func checkMemory(_ bytes: Double, _ what: String) throws {
        guard bytes > memoryBytes else { return }
        throw GIDError.usage(String(format: "%@ needs about %.1f GB of memory, more than the %.1f GB limit; use a smaller size, or raise -max_memory (GB)",
                                    what, bytes / 1e9, memoryBytes / 1e9))
    }
}

extension Double {
    /// The nearest Int, or nil for NaN, infinities and values beyond +-2^53 (where a Double no
    /// longer holds every integer and `Int(x)` is one step from trapping).
    public var checkedInt: Int? {
        guard isFinite, abs(self) <= 9_007_199_254_740_992 else { return nil }
        return Int(rounded())
    }

    /// The nearest Int, clamped into `range` (NaN gives the lower bound): for positions and
    /// counts derived from values already checked, where clamping is the right answer.
    public func clampedInt(_ range: ClosedRange<Int>) -> Int {
        guard let i = checkedInt else { return self > 0 ? range.upperBound : range.lowerBound }
        return Swift.min(Swift.max(i, range.lowerBound), range.upperBound)
    }
}
