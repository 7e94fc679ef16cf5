import Foundation
import Graph
import SpectralVolume
import Testing

/// `breeze` and the `viewer` page through the real binary, on the sample scene's rippling lake.
@Suite("Breeze and viewer")
struct BreezeViewerTests {
    @Test func aBreezeOfAnyLengthMovesTheLakeNeverRepeatsAndIsTheSameForASeed() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        // -t sets the clip: 12 s at the scene's 30 fps, longer than its 5 s loop.
        var r = try Tool.gid(["-i", "scene.gidm", "-vf", "breeze=gust=1:seed=4", "-t", "12", "-c:v", "ffv1", "a.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "scene.gidm", "-vf", "breeze=gust=1:seed=4", "-t", "12", "-c:v", "ffv1", "b.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "scene.gidm", "-vf", "breeze=gust=1:seed=5", "-t", "12", "-c:v", "ffv1", "c.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "scene.gidm", "-vf", "magnify=0", "-frames:v", "1", "-c:v", "ffv1", "still.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let a = try MotionTests.sceneFrames("a.mkv", in: dir), b = try MotionTests.sceneFrames("b.mkv", in: dir)
        let c = try MotionTests.sceneFrames("c.mkv", in: dir), still = try MotionTests.sceneFrames("still.mkv", in: dir)[0]
        try #require(a.count == 360)
        #expect(a == b, "the same seed gave other frames")
        #expect(a != c, "another seed gave the same frames")
        let lake = 22..<33, shore = 44..<80
        let moved = a.map { MotionTests.meanDiff($0, still, rows: lake) }
        #expect(moved.filter { $0 > 0.5 }.count > 300, "the lake should move most of the time: \(moved.prefix(20))")
        #expect(a.allSatisfy { MotionTests.meanDiff($0, still, rows: shore) < 0.5 }, "the shore moved")
        // No loop: a frame one loop period (150 frames) on is not the frame again.
        let repeats = (0..<200).filter { MotionTests.meanDiff(a[$0], a[$0 + 150], rows: lake) < 0.05 }
        #expect(repeats.isEmpty, "frames \(repeats.prefix(5)) repeat one period on")
    }

    @Test func aBreezeOfNoStrengthGivesTheStill() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        var r = try Tool.gid(["-i", "scene.gidm", "-vf", "breeze=strength=0:gust=2", "-t", "2", "-c:v", "ffv1", "calm.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "scene.gidm", "-vf", "magnify=0", "-frames:v", "1", "-c:v", "ffv1", "still.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let calm = try MotionTests.sceneFrames("calm.mkv", in: dir), still = try MotionTests.sceneFrames("still.mkv", in: dir)[0]
        #expect(calm.count == 60 && calm.allSatisfy { $0 == still })
    }

    @Test func theViewerPageIsOneSelfContainedFileWithTheSceneInIt() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", "viewer=modes=6:title=<lake & pier>", "lake.html"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Tool.files(dir) == ["lake.html", "scene.gidm"])
        let page = try String(contentsOfFile: "\(dir)/lake.html", encoding: .utf8)
        #expect(page.contains("<title>&lt;lake &amp; pier&gt;</title>"))
        #expect(!page.contains("__GID_DATA__") && !page.contains("http://") && !page.contains("https://"))
        // The embedded data: the still, 6 modes on the picture's grid, their bytes all there.
        let start = try #require(page.range(of: "<script id=\"gid-data\" type=\"application/json\">"))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
        let image = try #require(json["image"] as? [String: Any]), grid = try #require(json["grid"] as? [String: Any])
        #expect(image["width"] as? Int == 128 && image["height"] as? Int == 80)
        #expect((image["src"] as? String)?.hasPrefix("data:image/webp;base64,") == true)
        let modes = try #require(json["modes"] as? [[String: Any]])
        #expect(modes.count == 6)
        // Smoother (lower) bins are the stronger in this scene: the kept ones are the first six.
        #expect(modes.compactMap { $0["hz"] as? Double } == (1...6).map { Double($0) / 5 })
        let packed = try #require(Data(base64Encoded: json["basis"] as? String ?? ""))
        let bytes = try Tool.shell("python3 -c 'import sys, zlib; sys.stdout.write(str(len(zlib.decompress(sys.stdin.buffer.read()))))'",
                                   in: dir, stdin: packed)
        #expect(String(decoding: bytes.stdout, as: UTF8.self) == String(6 * 4 * (grid["width"] as? Int ?? 0) * (grid["height"] as? Int ?? 0)))
    }

    @Test func anHTMLOutputGetsAViewerAndAPictureToo() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        // No graph: the page is the scene's default viewer.
        var r = try Tool.gid(["-i", "scene.gidm", "plain.html"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // -n keeps an existing page; -y replaces it.
        r = try Tool.gid(["-n", "-i", "scene.gidm", "plain.html"], in: dir)
        #expect(r.status != 0 && r.stderr.contains("already exists"))
        r = try Tool.gid(["-y", "-i", "scene.gidm", "-vf", "viewer=width=64", "plain.html"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let page = try String(contentsOfFile: "\(dir)/plain.html", encoding: .utf8)
        #expect(page.contains("\"width\":64"))
    }

    @Test func aPageToAClosedPipeEndsQuietlyAndToAnOpenOneWhole() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        var r = try Tool.shell("\"$G\" -i scene.gidm -f html - | head -c 100 > /dev/null; echo ${PIPESTATUS[0]} >&2", in: dir)
        #expect(r.stderrLines == ["0"], "\(r.stderr)")
        r = try Tool.shell("\"$G\" -i scene.gidm -f html - > piped.html && \"$G\" -i scene.gidm file.html && cmp piped.html file.html", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test(arguments: [
        ("viewer", "out.mp4", "give an output ending in .html"),
        ("viewer,render", "out.html", "last filter"),
        ("breeze=strength=11", "out.mp4", "strength"),
        ("breeze,loop=seconds=10", "out.mp4", "cannot loop"),
    ])
    func badGraphsAreRefusedWithAClearMessage(graph: String, output: String, message: String) throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, output], in: dir)
        #expect(r.status == 2, "\(graph): exit \(r.status)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains(message), "\(graph): \(r.stderr)")
        #expect(Tool.files(dir) == ["scene.gidm"])
    }
}
