import Foundation
import Graph
import MotionFilter
import SpectralVolume
import Testing

@Suite("motion and motionsave")
struct MotionIOTests {
    @Test func motionsaveThenMotionRoundTrips() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/saved.gidm"
        let scene = try waveScene(width: 48, height: 30)
        let (items, _) = try run("magnify=1.5,slowmo=2,loop=repeat=2,motionsave=file=\(path)", on: scene)
        let passed = try scenes(items)[0]
        // Nothing but the finished file in the folder (the temporary one was renamed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["saved.gidm"])

        let loaded = try MotionFile.read(from: path)
        #expect(loaded.volume.data == passed.volume.data)
        #expect(loaded.image.data == passed.image.data)
        #expect(loaded.timeline == Timeline(slowdown: 2, periods: 2))

        // motion=file=... on a picture of the same size: the picture becomes I0, the motion is the file's.
        let picture = try samplePicture(width: 48, height: 30)
        let input = StreamInfo(width: 48, height: 30, timeBase: Rational(1, 25), isStill: true, source: "still")
        let chain = try FilterChain(registry: testRegistry, graph: "motion=\(path)", input: input)
        #expect(chain.output.kind == .motion && chain.output.frameCount == 600)
        var out: [StreamItem] = []
        for pts in 0..<3 {
            try chain.push(.frame(Frame(picture, pts: Int64(pts), duration: 1, timeBase: Rational(1, 25)))) { out.append($0) }
        }
        try chain.finish { out.append($0) }
        let read = try scenes(out)
        #expect(read.count == 1)    // later pictures are ignored
        #expect(read[0].volume.data == passed.volume.data && read[0].timeline == passed.timeline)
        #expect(read[0].image.data == picture.data)
    }

    @Test func motionOnAnotherSizeResamplesTheMotion() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/uniform.gidm"
        // A uniform motion: 1 px right plus a 0.5 px cosine down; on a picture twice as large it
        // must become 2 px and 1 px (displacements are in pixels of the grid).
        var v = try SpectralVolume(frequencies: 3, width: 20, height: 12)
        for y in 0..<12 {
            for x in 0..<20 {
                v.setCoefficient(k: 0, axis: 0, y: y, x: x, (1, 0))
                v.setCoefficient(k: 2, axis: 1, y: y, x: x, (0.25, 0))
            }
        }
        try MotionFile.write(Scene(image: samplePicture(width: 20, height: 12), volume: v), to: path)
        let picture = try samplePicture(width: 40, height: 24)
        let input = StreamInfo(width: 40, height: 24, timeBase: Rational(1, 25), isStill: true)
        let chain = try FilterChain(registry: testRegistry, graph: "motion=file=\(path)", input: input)
        var out: [StreamItem] = []
        try chain.push(.frame(Frame(picture, pts: 0, duration: 1, timeBase: Rational(1, 25)))) { out.append($0) }
        let scene = try scenes(out)[0]
        #expect(scene.width == 40 && scene.height == 24 && chain.output.width == 40)
        let f = scene.volume.field(atFrame: 0)
        #expect(f[0..<960].allSatisfy { abs($0 - 2) < 1e-5 })
        #expect(f[960...].allSatisfy { abs($0 - 1) < 1e-5 })

        // ref=file keeps the file's own picture and grid.
        let own = try FilterChain(registry: testRegistry, graph: "motion=file=\(path):ref=file", input: input)
        var kept: [StreamItem] = []
        try own.push(.frame(Frame(picture, pts: 0, duration: 1, timeBase: Rational(1, 25)))) { kept.append($0) }
        #expect(try scenes(kept)[0].width == 20 && own.output.width == 20)
    }

    @Test func errorsAreClear() throws {
        let input = StreamInfo(width: 8, height: 8, timeBase: Rational(1, 25))
        func message(_ graph: String) -> String? {
            do {
                _ = try FilterChain(registry: testRegistry, graph: graph, input: input)
                return nil
            } catch let e as GIDError {
                return "\(e.kind): \(e.message)"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("motion=ref=file")?.contains("ref is a frame index within the window") == true)
        #expect(message("motion=/nonexistent/x.gidm")?.hasPrefix("input: Parsed_motion_0: /nonexistent/x.gidm") == true)

        let scene = try waveScene(width: 8, height: 6)
        do {
            _ = try run("motionsave=file=/nonexistent-dir/x.gidm", on: scene)
            Issue.record("motionsave into a missing folder was accepted")
        } catch let e as GIDError {
            #expect(e.kind == .output && e.message.contains("does not exist"))
        }
    }

    @Test(arguments: [("timeline.slowdown", "0"), ("timeline.slowdown", "abc"), ("timeline.slowdown", "1e9"),
                      ("timeline.periods", "0"), ("timeline.periods", "x")])
    func badTimelineMetadataIsRejected(key: String, value: String) throws {
        var scene = try waveScene(width: 6, height: 4)
        scene.timeline = Timeline(slowdown: 3, periods: 4)
        let good = MotionFile.encode(scene)
        #expect(try MotionFile.decode(good, name: "ok").timeline == scene.timeline)
        // Swap the value inside the JSON header, padding with spaces so every offset stays valid.
        let old = Array((key == MotionFile.slowdownKey ? "\"\(key)\":\"3.0\"" : "\"\(key)\":\"4\"").utf8)
        let new = Array("\"\(key)\":\"\(value)\"".utf8)
        try #require(new.count <= old.count)
        let at = try #require((0...(good.count - old.count)).first { Array(good[$0..<($0 + old.count)]) == old })
        var bytes = good
        bytes.replaceSubrange(at..<(at + old.count), with: new + Array(repeating: UInt8(ascii: " "), count: old.count - new.count))
        do {
            _ = try MotionFile.decode(bytes, name: "bad.gidm")
            Issue.record("\(key)=\(value) accepted")
        } catch let e as GIDError {
            #expect(e.kind == .input && e.message.hasPrefix("bad.gidm: metadata '\(key)'"), "\(e.message)")
        }
    }
}
