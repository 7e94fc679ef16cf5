import Foundation
import Graph
import SpectralVolume

/// A read-only safetensors model file, as Training/export.py writes it: F32 weights, I64
/// indices and F64 schedules. Parsing and validation are SpectralVolume's `SafeTensors` (the one
/// reader of the format); this adds the file checks and typed accessors.
///
/// Every accessor checks dtype and shape and throws `PriorError` naming the file and tensor.
struct TensorFile: Sendable {
    let path: String
    let entries: [String: SafeTensors.Tensor]
    let metadata: [String: String]

    /// Reads and validates `path` (missing -> .missingFile, unreadable -> .unreadable, else .corrupt).
    init(path: String) throws(PriorError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw PriorError(.missingFile, file: path, "no such model file")
        }
        guard !isDir.boolValue else { throw PriorError(.unreadable, file: path, "is a directory, not a model file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PriorError(.unreadable, file: path, "cannot read the model file")
        }
        try self.init(bytes: [UInt8](data), name: path)
    }

    /// Parses a whole file's bytes; `name` is used in errors.
    init(bytes: [UInt8], name: String) throws(PriorError) {
        let parsed: SafeTensors
        do {
            parsed = try SafeTensors.decode(bytes, name: name)
        } catch let e as GIDError {
            // SafeTensors' messages start with the name; PriorError puts it there itself.
            let m = e.message.hasPrefix(name + ": ") ? String(e.message.dropFirst(name.count + 2)) : e.message
            throw PriorError(.corrupt, file: name, "not a valid safetensors file: \(m)")
        } catch {
            throw PriorError(.corrupt, file: name, "not a valid safetensors file: \(error)")
        }
        path = name
        entries = parsed.tensors
        metadata = parsed.metadata
    }

    func entry(_ name: String) throws(PriorError) -> SafeTensors.Tensor {
        guard let e = entries[name] else { throw PriorError(.corrupt, file: path, "tensor '\(name)' is missing") }
        return e
    }

    func has(_ name: String) -> Bool { entries[name] != nil }

    func shape(_ name: String) throws(PriorError) -> [Int] { try entry(name).shape }

    /// An F32 (or F64, narrowed) tensor's values; `shape`, when given, must match exactly.
    func floats(_ name: String, shape: [Int]? = nil) throws(PriorError) -> [Float] {
        let e = try entry(name)
        if let shape, shape != e.shape {
            throw PriorError(.corrupt, file: path, "tensor '\(name)' has shape \(e.shape), the model config needs \(shape)")
        }
        switch e.dtype {
        case "F32": return e.values
        case "F64": return e.doubles.map(Float.init)
        default: throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), F32 expected")
        }
    }

    /// An F64 (or F32, widened) tensor's values.
    func doubles(_ name: String) throws(PriorError) -> [Double] {
        let e = try entry(name)
        switch e.dtype {
        case "F64": return e.doubles
        case "F32": return e.values.map(Double.init)
        default: throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), F64 expected")
        }
    }

    /// An I64 / I32 tensor's values.
    func ints(_ name: String) throws(PriorError) -> [Int] {
        let e = try entry(name)
        guard e.dtype == "I64" || e.dtype == "I32" else {
            throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), I64 expected")
        }
        return e.integers
    }
}
