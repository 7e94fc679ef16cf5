import Foundation

/// A read-only safetensors file (u64 little-endian header length, JSON header, data), as
/// Training/export.py writes it: F32 weights, I64 indices and F64 schedules.
///
/// Every accessor checks dtype and shape and throws `PriorError` naming the file and tensor.
struct TensorFile: Sendable {
    struct Entry: Sendable {
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    let path: String
    let entries: [String: Entry]
    let metadata: [String: String]
    private let bytes: [UInt8]
    private let dataStart: Int

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
        func corrupt(_ m: String) -> PriorError { PriorError(.corrupt, file: name, "not a valid safetensors file: \(m)") }
        path = name
        guard bytes.count >= 8 else { throw corrupt("\(bytes.count) bytes, shorter than the 8-byte header length") }
        var n64: UInt64 = 0
        for i in 0..<8 { n64 |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n64 >= 2, n64 <= UInt64(bytes.count - 8) else {
            throw corrupt("header length \(n64) does not fit the file's \(bytes.count) bytes")
        }
        let n = Int(n64)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)]))
        } catch {
            throw corrupt("the header is not JSON")
        }
        guard let dict = root as? [String: Any] else { throw corrupt("the header is not a JSON object") }
        dataStart = 8 + n
        let dataCount = bytes.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in dict {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else { throw corrupt("__metadata__ is not an object") }
                for (k, v) in m { if let s = v as? String { metadata[k] = s } }
                continue
            }
            guard let t = value as? [String: Any], let dtype = t["dtype"] as? String,
                  let size = Self.elementSizes[dtype],
                  let shape = (t["shape"] as? [Any])?.compactMap({ $0 as? Int }),
                  let off = (t["data_offsets"] as? [Any])?.compactMap({ $0 as? Int }), off.count == 2,
                  shape.allSatisfy({ $0 >= 0 }), off[0] >= 0, off[1] >= off[0] else {
                throw corrupt("entry '\(key)' lacks a known dtype, a shape or data_offsets")
            }
            let count = shape.reduce(1, *)
            guard count * size == off[1] - off[0] else {
                throw corrupt("tensor '\(key)': shape \(shape) of \(dtype) needs \(count * size) bytes, data_offsets span \(off[1] - off[0])")
            }
            guard off[1] <= dataCount else {
                throw corrupt("truncated: tensor '\(key)' ends at byte \(off[1]) of a \(dataCount)-byte data section")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, begin: off[0], end: off[1])
        }
        self.entries = entries
        self.metadata = metadata
        self.bytes = bytes
    }

    func entry(_ name: String) throws(PriorError) -> Entry {
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
        case "F32": return read(e, as: UInt32.self).map { Float(bitPattern: $0) }
        case "F64": return read(e, as: UInt64.self).map { Float(Double(bitPattern: $0)) }
        default: throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), F32 expected")
        }
    }

    /// An F64 (or F32, widened) tensor's values.
    func doubles(_ name: String) throws(PriorError) -> [Double] {
        let e = try entry(name)
        switch e.dtype {
        case "F64": return read(e, as: UInt64.self).map { Double(bitPattern: $0) }
        case "F32": return read(e, as: UInt32.self).map { Double(Float(bitPattern: $0)) }
        default: throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), F64 expected")
        }
    }

    /// An I64 / I32 tensor's values.
    func ints(_ name: String) throws(PriorError) -> [Int] {
        let e = try entry(name)
        switch e.dtype {
        case "I64": return read(e, as: UInt64.self).map { Int(Int64(bitPattern: $0)) }
        case "I32": return read(e, as: UInt32.self).map { Int(Int32(bitPattern: $0)) }
        default: throw PriorError(.corrupt, file: path, "tensor '\(name)' is \(e.dtype), I64 expected")
        }
    }

    /// Little-endian words of an entry (byte by byte: data offsets need not be aligned).
    private func read<T: FixedWidthInteger>(_ e: Entry, as: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        let count = (e.end - e.begin) / size
        return [T](unsafeUninitializedCapacity: count) { buf, n in
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + e.begin
                for i in 0..<count {
                    buf[i] = T(littleEndian: (base + i * size).loadUnaligned(as: T.self))
                }
            }
            n = count
        }
    }
}
