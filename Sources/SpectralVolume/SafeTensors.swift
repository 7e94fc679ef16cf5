import Foundation
import Graph

/// A minimal safetensors container (https://github.com/huggingface/safetensors):
/// u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, and an
/// optional "__metadata__": {string: string}}, then the byte buffer the offsets point into.
///
/// F32 payloads are decoded to floats, F64 to doubles, I64/I32 to integers (all little-endian);
/// other dtypes are validated for size and skipped. The one reader of the format: `.gidm`
/// motion files here, the prior's model files (`Sources/Prior/TensorFile.swift`) on top of it.
public struct SafeTensors: Sendable {
    /// One tensor's header entry and its decoded values.
    public struct Tensor: Sendable {
        public var dtype: String
        public var shape: [Int]
        /// Values for F32 tensors, empty otherwise.
        public var values: [Float]
        /// Values for F64 tensors, empty otherwise.
        public var doubles: [Double] = []
        /// Values for I64 and I32 tensors, empty otherwise.
        public var integers: [Int] = []
    }

    /// Largest header accepted (the reference implementation's limit).
    static let maxHeaderBytes = 100_000_000
    /// Bytes per element of the dtypes the format defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    public var tensors: [String: Tensor] = [:]
    public var metadata: [String: String] = [:]

    // MARK: Writing

    /// One tensor to write: its values are read in place, never copied into a file image.
    typealias Entry = (name: String, shape: [Int], values: ArraySlice<Float>)

    /// The 8-byte length and the JSON header for `entries`; the header is space-padded so the
    /// data starts 8-byte aligned, as the Python writer does.
    static func header(_ entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var items: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }
            items.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for e in entries {
            let bytes = e.values.count * 4
            let shape = e.shape.map(String.init).joined(separator: ",")
            items.append("\(quote(e.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var json = Array(("{" + items.joined(separator: ",") + "}").utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json
    }

    /// The whole file in memory (small files, tests, fuzzing).
    static func encode(_ entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var out = header(entries, metadata: metadata)
        for e in entries { littleEndianBytes(e.values) { out.append(contentsOf: $0) } }
        return out
    }

    /// Streams the file to an open descriptor, tensor by tensor, so memory stays at the scene's own.
    static func write(_ entries: [Entry], metadata: [String: String], to fd: Int32, name: String) throws {
        let what = "\(name): cannot write motion file"
        try header(entries, metadata: metadata).withUnsafeBytes { try Graph.writeAll(fd, $0, what: what) }
        for e in entries { try littleEndianBytes(e.values) { try Graph.writeAll(fd, $0, what: what) } }
    }

    private static func littleEndianBytes<R>(_ values: ArraySlice<Float>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        #if _endian(big)
        let swapped = values.map { $0.bitPattern.littleEndian }
        return try swapped.withUnsafeBytes(body)
        #else
        return try values.withUnsafeBytes(body)
        #endif
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            case _ where u.value < 0x20: r += String(format: "\\u%04x", u.value)
            default: r.unicodeScalars.append(u)
            }
        }
        return r + "\""
    }

    // MARK: Reading

    /// Parses and validates a whole file's bytes; `name` prefixes every error message.
    public static func decode(_ bytes: [UInt8], name: String) throws -> SafeTensors {
        func fail(_ m: String) -> GIDError { GIDError.input("\(name): \(m)") }
        guard bytes.count >= 8 else {
            throw fail("not a safetensors file: \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        var n64: UInt64 = 0
        for i in 0..<8 { n64 |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n64 <= UInt64(maxHeaderBytes) else {
            throw fail("bad header length \(n64) (limit \(maxHeaderBytes) bytes)")
        }
        let n = Int(n64)
        guard n >= 2, n <= bytes.count - 8 else {
            throw fail("bad header length \(n64): the file has \(bytes.count - 8) bytes after the length field")
        }
        let headerBytes = bytes[8..<(8 + n)]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail("invalid header: JSON object expected at byte 8")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("invalid JSON header")
        }
        guard let dict = root as? [String: Any] else { throw fail("invalid header: not a JSON object") }

        var result = SafeTensors()
        let dataStart = 8 + n
        let dataCount = bytes.count - dataStart
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (key, value) in dict {
            if key == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("invalid header: __metadata__ is not an object") }
                for (mk, mv) in m {
                    guard let s = mv as? String else { throw fail("invalid header: metadata '\(mk)' is not a string") }
                    result.metadata[mk] = s
                }
                continue
            }
            guard let t = value as? [String: Any] else { throw fail("invalid header: entry '\(key)' is not an object") }
            guard let dtype = t["dtype"] as? String else { throw fail("tensor '\(key)': missing dtype") }
            guard let size = dtypeSizes[dtype] else { throw fail("tensor '\(key)': unknown dtype '\(dtype)'") }
            guard let shapeAny = t["shape"] as? [Any], let shape = integers(shapeAny), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(key)': shape is not a list of non-negative integers")
            }
            guard let offAny = t["data_offsets"] as? [Any], let off = integers(offAny), off.count == 2,
                  off[0] >= 0, off[1] >= off[0] else {
                throw fail("tensor '\(key)': data_offsets is not [begin, end] with 0 <= begin <= end")
            }
            var elements = 1
            for d in shape {
                let (p, o) = elements.multipliedReportingOverflow(by: d)
                guard !o else { throw fail("tensor '\(key)': shape \(shape) is too large") }
                elements = p
            }
            let (byteCount, o) = elements.multipliedReportingOverflow(by: size)
            guard !o, byteCount == off[1] - off[0] else {
                throw fail("tensor '\(key)': shape \(shape) of \(dtype) needs \(o ? "too many" : String(byteCount)) bytes, data_offsets span \(off[1] - off[0])")
            }
            guard off[1] <= dataCount else {
                throw fail("truncated data: tensor '\(key)' ends at byte \(off[1]) of the data section, which has \(dataCount)")
            }
            spans.append((off[0], off[1], key))
            var values: [Float] = []
            if dtype == "F32" {
                values = [Float](unsafeUninitializedCapacity: elements) { buf, count in
                    bytes.withUnsafeBytes { raw in
                        let src = UnsafeRawBufferPointer(rebasing: raw[(dataStart + off[0])..<(dataStart + off[1])])
                        UnsafeMutableRawBufferPointer(buf).copyMemory(from: src)
                    }
                    #if _endian(big)
                    for i in 0..<elements { buf[i] = Float(bitPattern: UInt32(littleEndian: buf[i].bitPattern)) }
                    #endif
                    count = elements
                }
            }
            var tensor = Tensor(dtype: dtype, shape: shape, values: values)
            let payload = (dataStart + off[0])..<(dataStart + off[1])
            switch dtype {
            case "F64": tensor.doubles = littleEndian(bytes[payload], as: UInt64.self).map { Double(bitPattern: $0) }
            case "I64": tensor.integers = littleEndian(bytes[payload], as: UInt64.self).map { Int(Int64(bitPattern: $0)) }
            case "I32": tensor.integers = littleEndian(bytes[payload], as: UInt32.self).map { Int(Int32(bitPattern: $0)) }
            default: break
            }
            result.tensors[key] = tensor
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for i in spans.indices.dropFirst() where spans[i].begin < spans[i - 1].end {
            throw fail("data_offsets of tensors '\(spans[i - 1].name)' and '\(spans[i].name)' overlap")
        }
        return result
    }

    /// Little-endian words of a payload (read unaligned: data offsets need not be aligned).
    private static func littleEndian<T: FixedWidthInteger>(_ payload: ArraySlice<UInt8>, as: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return payload.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }

    /// The array's elements as exact integers, or nil if any is not one.
    private static func integers(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in a {
            guard let i = v as? Int else { return nil }
            out.append(i)
        }
        return out
    }
}
