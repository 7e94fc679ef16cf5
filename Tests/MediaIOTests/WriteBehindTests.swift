import Foundation
import Graph
@testable import MediaIO
import Testing

@Suite("Writing on the writer's own thread")
struct WriteBehindTests {
    private func temporary(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("gid-wb-\(UUID().uuidString).\(ext)").path
    }

    @Test("every frame of a real clip arrives once, in order, unchanged (lossless NUT)")
    func framesInOrder() throws {
        let path = temporary("nut")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try MediaReader(path: sample("clips/crane-sway.mkv"))
        let writer = WriteBehind(try MediaWriter(path: path, options: EncodeOptions(codec: "rawvideo"), input: reader.info))
        var sums: [Double] = []
        while let frame = try reader.nextFrame() {
            sums.append(try frame.rgb().data.reduce(0) { $0 + Double($1) })
            try writer.write(frame)
        }
        try writer.finish()
        #expect(writer.framesWritten == 215)
        let back = try MediaReader(path: path)
        var i = 0
        while let frame = try back.nextFrame() {
            // Each frame's sum of samples identifies it (the crane sways: neighbours differ).
            let sum = try frame.rgb().data.reduce(0) { $0 + Double($1) }
            if i < sums.count { #expect(abs(sum - sums[i]) < 1e-6 * sums[i], "frame \(i)") }
            i += 1
        }
        #expect(i == sums.count)
        #expect(Set(sums).count > sums.count / 2, "the clip's frames should differ")
    }

    @Test("a failure on the writer's thread reaches the caller, and no output is left")
    func failureReachesCaller() throws {
        let path = temporary("mkv")
        let reader = try MediaReader(path: sample("clips/crane-sway.mkv"))
        let writer = WriteBehind(try MediaWriter(path: path, options: EncodeOptions(), input: reader.info))
        try writer.write(try #require(try reader.nextFrame()))
        // A picture of no pixels cannot be converted for the encoder: that fails on the writer's thread.
        let empty = Frame(RGBImage(width: 0, height: 0, data: []), pts: 1, duration: 1, timeBase: reader.info.timeBase)
        #expect(throws: GIDError.self) {
            try writer.write(empty)
            for _ in 0..<5 { try writer.write(try #require(try reader.nextFrame())) }
            try writer.finish()
        }
        writer.abort()
        #expect(!FileManager.default.fileExists(atPath: path))
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(URL(fileURLWithPath: path).lastPathComponent) }
        #expect(leftovers.isEmpty, "temp files left: \(leftovers)")
    }
}
