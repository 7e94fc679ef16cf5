import Foundation
import Graph

/// Middlebury `.flo` files: "PIEH" (float 202021.25), int32 width, int32 height, then
/// interleaved little-endian float32 (u, v) per pixel, row-major.
public enum FloFile {
    /// The tag that opens every `.flo` file ("PIEH" read as a little-endian float).
    public static let magic: Float = 202021.25

    /// Reads a `.flo` file; a missing, truncated or malformed file is a GIDError of kind `.input`
    /// naming the file.
    public static func read(_ path: String) throws -> FlowField {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw GIDError.input("\(path): cannot read the file")
        }
        return try decode(bytes, name: path)
    }

    /// Decodes `.flo` bytes; `name` labels errors.
    public static func decode(_ bytes: Data, name: String) throws -> FlowField {
        guard bytes.count >= 12 else {
            throw GIDError.input("\(name): not a .flo file (\(bytes.count) bytes, need a 12-byte header)")
        }
        let tag = Float(bitPattern: word(bytes, 0))
        guard tag == magic else {
            throw GIDError.input("\(name): not a .flo file (bad magic \(tag), want \(magic))")
        }
        let w = Int(Int32(bitPattern: word(bytes, 4))), h = Int(Int32(bitPattern: word(bytes, 8)))
        guard w > 0, h > 0, w < 1 << 16, h < 1 << 16 else {
            throw GIDError.input("\(name): bad .flo size \(w)x\(h)")
        }
        let want = 12 + 8 * w * h
        guard bytes.count >= want else {
            throw GIDError.input("\(name): truncated .flo (\(bytes.count) bytes, want \(want) for \(w)x\(h))")
        }
        let n = w * h
        var data = [Float](repeating: 0, count: 2 * n)
        bytes.withUnsafeBytes { raw in
            for i in 0..<n {
                data[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12 + 8 * i, as: UInt32.self)))
                data[n + i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16 + 8 * i, as: UInt32.self)))
            }
        }
        return FlowField(width: w, height: h, data: data)
    }

    /// The `.flo` bytes of a field.
    public static func encode(_ flow: FlowField) -> Data {
        let n = flow.planeSize
        var words = [UInt32](repeating: 0, count: 3 + 2 * n)
        words[0] = magic.bitPattern.littleEndian
        words[1] = UInt32(truncatingIfNeeded: flow.width).littleEndian
        words[2] = UInt32(truncatingIfNeeded: flow.height).littleEndian
        for i in 0..<n {
            words[3 + 2 * i] = flow.data[i].bitPattern.littleEndian
            words[4 + 2 * i] = flow.data[n + i].bitPattern.littleEndian
        }
        return words.withUnsafeBytes { Data($0) }
    }

    /// Writes a `.flo` file; failure is a GIDError of kind `.output` naming the file.
    public static func write(_ flow: FlowField, to path: String) throws {
        do {
            try encode(flow).write(to: URL(fileURLWithPath: path))
        } catch {
            throw GIDError.output("\(path): cannot write the .flo file (\(error.localizedDescription))")
        }
    }

    private static func word(_ d: Data, _ offset: Int) -> UInt32 {
        d.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }
}
