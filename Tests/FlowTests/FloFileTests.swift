import Flow
import Foundation
import Graph
import Testing

@Suite(".flo files and colour coding")
struct FloFileTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowtests-\(getpid())")

    init() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }

    @Test("write then read gives the same field")
    func roundTrip() throws {
        let field = Fixtures.smoothField(width: 13, height: 7, amplitude: 2.5)
        let path = dir.appendingPathComponent("round.flo").path
        try FloFile.write(field, to: path)
        #expect(try FloFile.read(path) == field)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 12 + 8 * 13 * 7)
    }

    @Test("bad files are input errors naming the file", arguments: ["magic", "short", "truncated", "size", "missing"])
    func malformed(kind: String) throws {
        let path = dir.appendingPathComponent("bad-\(kind).flo").path
        var bytes = FloFile.encode(FlowField(width: 4, height: 3))
        switch kind {
        case "magic": bytes.replaceSubrange(0..<4, with: [0x50, 0x49, 0x45, 0x48].map { UInt8($0) + 1 })
        case "short": bytes = bytes.prefix(7)
        case "truncated": bytes = bytes.prefix(40)
        case "size": bytes.replaceSubrange(4..<8, with: [0xff, 0xff, 0xff, 0xff])
        default: break
        }
        if kind != "missing" { try bytes.write(to: URL(fileURLWithPath: path)) }
        let error = #expect(throws: GIDError.self) { try FloFile.read(path) }
        #expect(error?.kind == .input)
        #expect(error?.message.hasPrefix(path) == true, "\(error?.message ?? "")")
    }

    @Test("Middlebury ground truth reads with the right size",
          .enabled(if: Fixtures.hasMiddlebury, "needs ../shared/data/flow/middlebury (not in a fresh clone)"))
    func readsMiddlebury() throws {
        let f = try FloFile.read(Fixtures.middlebury + "/Grove3_flow10.flo")
        #expect(f.width == 640 && f.height == 480)
        #expect(f.maxMagnitude > 5 && f.maxMagnitude < 20)
    }

    @Test("colour wheel: zero is white, +u is red, -u is cyan, +v (down) is green-blue")
    func colours() {
        let n = 4
        let field = FlowField(width: n, height: 1, data: [0, 1, -1, 0] + [0, 0, 0, 1])
        let img = FlowColor.image(field, maxMagnitude: 1)
        let px = { (i: Int) in (img.data[i], img.data[n + i], img.data[2 * n + i]) }
        #expect(px(0) == (1, 1, 1))
        let right = px(1), left = px(2), down = px(3)
        #expect(right.0 > 0.9 && right.1 < 0.2 && right.2 < 0.3)
        #expect(left.0 < 0.1 && left.1 > 0.5 && left.2 > 0.5)
        #expect(down.2 > 0.5 || down.1 > 0.5)
    }
}
