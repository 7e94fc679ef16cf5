import Foundation
import Graph
import SpectralVolume
import Testing

/// `mask` through the real binary: motion kept only in a painted region of the rippling lake.
@Suite("Mask")
struct MaskTests {
    @Test func aPaintedMaskOrARectangleFreezesTheRest() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        // A painted mask: white left half, black right half, at twice the motion's size (it is
        // stretched, with a little antialiasing at the edge: nearly the rectangle).
        var r = try CLIPriorTests.ffmpeg(["-f", "lavfi", "-i", "color=black:s=256x160", "-vf",
                                          "drawbox=x=0:y=0:w=128:h=160:color=white:t=fill", "-frames:v", "1", "half.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        for (name, graph) in [("file.mkv", "mask=file=half.png:feather=0"), ("rect.mkv", "mask=x=0-0.5:feather=0"),
                              ("inverted.mkv", "mask=x=0.5-1:invert=1:feather=0"), ("still.mkv", "magnify=0")] {
            r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, "-frames:v", "30", "-c:v", "ffv1", name], in: dir)
            #expect(r.status == 0, "\(graph): \(r.stderr)")
        }
        let file = try MotionTests.sceneFrames("file.mkv", in: dir), rect = try MotionTests.sceneFrames("rect.mkv", in: dir)
        let inverted = try MotionTests.sceneFrames("inverted.mkv", in: dir), still = try MotionTests.sceneFrames("still.mkv", in: dir)[0]
        try #require(file.count == 30)
        #expect(rect == inverted)
        let all = 0..<80, cols = 0..<128
        let apart = zip(file, rect).map { MotionTests.meanDiff($0, $1, rows: all, cols: cols) }.max() ?? 99
        #expect(apart < 0.05, "painted and rectangle masks differ by \(apart) levels")
        // The lake (rows 22-33) moves on the left; on the right (past the splat's reach) it is I0.
        let lake = 22..<33
        #expect(file.contains { MotionTests.meanDiff($0, still, rows: lake, cols: 0..<56) > 1 })
        #expect(file.allSatisfy { MotionTests.meanDiff($0, still, rows: lake, cols: 72..<128) == 0 })
    }

    @Test(arguments: [
        ("mask=file=nope.png", 3, "nope.png"),
        ("mask", 2, "give file="),
        ("mask=file=half.png:x=0-0.5", 2, "not both"),
        ("mask=x=0.7-0.2", 2, "x="),
    ])
    func badMasksAreRefusedWithAClearMessage(graph: String, status: Int32, message: String) throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, "out.mp4"], in: dir)
        #expect(r.status == status, "\(graph): exit \(r.status)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains(message), "\(graph): \(r.stderr)")
        #expect(Tool.files(dir) == ["scene.gidm"])
    }
}
