/// Every failure the user can see: a class (which picks the exit code) and one line of text.
///
/// The message names the thing at fault first ("in.mp4: ...", "magnify@1: gain=...") so that the
/// single stderr line is enough to act on.
public struct GIDError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely; each class has its own exit code (documented in README.md).
    public enum Kind: String, Sendable, CaseIterable {
        /// Bad command line, graph string, filter name, option or value.
        case usage
        /// The input cannot be opened, probed or decoded.
        case input
        /// The output cannot be created, or would overwrite something it must not.
        case output
        /// An encoder or decoder is missing or refused the stream.
        case codec
        /// Interrupted by a signal (Ctrl-C).
        case interrupted
        /// A bug or an unexpected library failure.
        case `internal`

        /// Process exit status for this class.
        public var exitCode: Int32 {
            switch self {
            case .usage: return 2
            case .input: return 3
            case .output: return 4
            case .codec: return 5
            case .internal: return 6
            case .interrupted: return 130
            }
        }
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func usage(_ m: String) -> GIDError { GIDError(.usage, m) }
    public static func input(_ m: String) -> GIDError { GIDError(.input, m) }
    public static func output(_ m: String) -> GIDError { GIDError(.output, m) }
    public static func codec(_ m: String) -> GIDError { GIDError(.codec, m) }
    public static func `internal`(_ m: String) -> GIDError { GIDError(.internal, m) }
}

/// The downstream reader went away (EPIPE): the program ends quietly, as ffmpeg does.
public struct DownstreamClosed: Error {
    public init() {}
}
