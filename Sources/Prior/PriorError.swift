import Graph

/// Why the prior could not load or run, with the file (or filter) at fault first.
///
/// Converted to `GIDError` (and so to an exit code) by `gidError`: a missing, unreadable, corrupt
/// or unsupported model file is an input error (exit 3), a bad argument a usage error (exit 2).
public struct PriorError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// The model file does not exist.
        case missingFile
        /// The file exists but cannot be read.
        case unreadable
        /// Not a valid safetensors / gid-prior file, or a tensor is missing or mis-shaped.
        case corrupt
        /// A valid file this engine does not run (the latent variant, a regressor, a newer format).
        case unsupported
        /// A caller's argument is out of range (steps, guidance, picture size).
        case invalidArgument
    }

    /// The model file (or the argument's owner) the error is about.
    public var file: String
    public var reason: Reason
    /// What is wrong, in words.
    public var detail: String

    public init(_ reason: Reason, file: String, _ detail: String) {
        self.reason = reason
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }

    /// The CLI's error: input (exit 3) for file problems, usage (exit 2) for arguments.
    public var gidError: GIDError {
        reason == .invalidArgument ? GIDError.usage(description) : GIDError.input(description)
    }
}
