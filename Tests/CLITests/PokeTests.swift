import Foundation
import Graph
import SpectralVolume
import Testing

/// `poke` through the real binary: pull the sample scene's rippling lake and let go.
@Suite("Poke")
struct PokeTests {
    @Test func aPullOnTheLakeRingsDownAndTheShoreStaysStill() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        // The ripples live in rows 0.25-0.43 of the height; pull their middle sideways.
        var r = try Tool.gid(["-i", "scene.gidm", "-vf", "poke=x=0.5:y=0.34:dx=3:decay=1", "-c:v", "ffv1", "poke.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let p = try Tool.probe("poke.mkv", in: dir)
        // at + 4 x decay = 4 s, but at least the input clip (one 5 s period): 150 frames at 30 fps.
        #expect(p["nb_read_frames"] == "150")
        // I0: the scene with its motion switched off (both lossless).
        r = try Tool.gid(["-i", "scene.gidm", "-vf", "magnify=0", "-frames:v", "1", "-c:v", "ffv1", "still.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let f = try MotionTests.sceneFrames("poke.mkv", in: dir)
        let still = try MotionTests.sceneFrames("still.mkv", in: dir)[0]
        try #require(f.count == 150)
        let lake = 22..<33, shore = 44..<80
        let start = MotionTests.meanDiff(f[0], still, rows: lake), end = MotionTests.meanDiff(f[149], still, rows: lake)
        #expect(start > 2, "the pulled lake should be displaced at the start: \(start)")
        #expect(end < start / 10, "after 5 decay times the lake should be back: \(end) vs \(start)")
        // On its way back (this scene's motion is mostly its slowest mode, 0.2 Hz, which a 1 s
        // decay damps heavily: it creeps back rather than swinging; DynamicsTests checks the
        // ringing of a single mode), one second in, it is neither held nor at rest.
        #expect(MotionTests.meanDiff(f[30], f[0], rows: lake) > start / 4 && MotionTests.meanDiff(f[30], still, rows: lake) > start / 4)
        // Nothing that does not move in the scene moves when poked.
        #expect(f.allSatisfy { MotionTests.meanDiff($0, still, rows: shore) < 0.5 })
    }

    @Test func pokesChainSlowDownAndSurviveAMotionFile() throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        let graph = "poke=x=0.5:y=0.34:dx=3:seconds=3,poke=x=0.3:y=0.3:dy=-2:at=1:seconds=3"
        // Written to a motion file and rendered from it, or rendered directly: the same clip.
        var r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, "poked.gidm"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "poked.gidm", "-c:v", "ffv1", "a.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, "-c:v", "ffv1", "b.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let a = try MotionTests.sceneFrames("a.mkv", in: dir), b = try MotionTests.sceneFrames("b.mkv", in: dir)
        #expect(a.count == 90 && a == b)
        // Rendered at twice the size (-s goes to the renderer): the same pull, in output pixels
        // twice as long; frame by frame close to the small clip scaled up.
        r = try Tool.gid(["-i", "poked.gidm", "-s", "256x160", "-c:v", "ffv1", "big.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        r = try Tool.gid(["-i", "poked.gidm", "-vf", "lavfi='scale=256:160'", "-c:v", "ffv1", "up.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let big = try CLIPriorTests.frames("big.mkv", in: dir, width: 256, height: 160)
        let up = try CLIPriorTests.frames("up.mkv", in: dir, width: 256, height: 160)
        try #require(big.count == 90 && up.count == 90)
        let all = [Bool](repeating: true, count: 256 * 160)
        let worst = zip(big, up).map { CLIPriorTests.meanDiff($0, $1, all) }.max() ?? 99
        #expect(worst < 4, "the large render strays from the small one scaled up by \(worst) levels")
        // slowmo after poke: twice as long.
        r = try Tool.gid(["-i", "poked.gidm", "-vf", "slowmo=2", "slow.mp4"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Tool.probe("slow.mp4", in: dir)["nb_read_frames"] == "180")
    }

    @Test(arguments: [
        ("poke=x=0.5:y=0.9:dx=3", "does not move"),
        ("poke=x=0.5:y=0.34", "give the pull"),
        ("poke=x=0.5:y=0.34:dx=3,loop=seconds=10", "cannot loop"),
        ("poke=x=1.5:dx=3", "x="),
    ])
    func badPokesAreRefusedWithAClearMessage(graph: String, message: String) throws {
        let dir = try Tool.tempDir()
        _ = try MotionTests.makeScene(in: dir)
        let r = try Tool.gid(["-i", "scene.gidm", "-vf", graph, "out.mp4"], in: dir)
        #expect(r.status == 2, "\(graph): exit \(r.status)")
        #expect(r.stderrLines.count == 1 && r.stderr.contains(message), "\(graph): \(r.stderr)")
        #expect(Tool.files(dir) == ["scene.gidm"])
    }
}
