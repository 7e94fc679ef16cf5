import Foundation
import Testing

/// Two sample clips spliced: measured motion warns about the cut, slow motion does not morph
/// across it (the interpolator's exact behaviour is in FlowTests' SceneCutInterpolationTests).
@Suite("Scene cuts in real footage")
struct SceneCutTests {
    static func splicedClip(in dir: String) throws {
        let a = Tool.quote(Tool.sample("clips/crane-sway.mkv")), b = Tool.quote(Tool.sample("clips/dollhouse-fire.mkv"))
        try Tool.shell("ffmpeg -v error -y -i \(a) -i \(b) -filter_complex \"[0]trim=end_frame=24,scale=160:120,setsar=1,fps=25[a];[1]trim=end_frame=24,scale=160:120,setsar=1,fps=25[b];[a][b]concat=n=2,setpts=N/25/TB\" -c:v ffv1 -pix_fmt yuv420p cut.mkv", in: dir)
    }

    @Test("motion over a window with a cut warns once, naming the frame; a clip without one does not")
    func motionWarns() throws {
        let dir = try Tool.tempDir()
        try Self.splicedClip(in: dir)
        let r = try Tool.gid(["-i", "cut.mkv", "-vf", "motion=window=1.6,viz", "heat.png"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderrLines.filter { $0.contains("scene cut") }.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("frame 25"), "\(r.stderr)")
        let crane = Tool.quote(Tool.sample("clips/crane-sway.mkv"))
        try Tool.shell("ffmpeg -v error -y -i \(crane) -vf trim=end_frame=48,scale=160:120,setsar=1,fps=25 -c:v ffv1 clean.mkv", in: dir)
        let clean = try Tool.gid(["-i", "clean.mkv", "-vf", "motion=window=1.6,viz", "heat2.png"], in: dir)
        #expect(clean.status == 0 && !clean.stderr.contains("scene cut"), "\(clean.stderr)")
    }

    @Test("slow motion finds the cut and makes the nearer picture there")
    func slowmoFindsTheCut() throws {
        let dir = try Tool.tempDir()
        try Self.splicedClip(in: dir)
        let r = try Tool.gid(["-loglevel", "verbose", "-i", "cut.mkv", "-vf", "slowmo=2", "slow.mkv"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderrLines.filter { $0.contains("scene cut") }.count == 1, "\(r.stderr)")
        #expect(try Tool.probe("slow.mkv", in: dir)["nb_read_frames"] == "89")
    }
}
