import Foundation
import Testing

/// Which outputs count as loops, for the encoder's extra bits at the seam. The seam itself, after
/// H.264, is measured on the Samples stills by Tests/Encode/test_loop_seam.py (release binary: the
/// prior and a 512-wide render take minutes in a debug build).
@Suite("Loops through the encoder")
struct LoopEncodeTests {
    @Test("the seam's bits go to loops only: not to clips cut by -t or duration=, retimed, or played once by poke")
    func onlyLoopsGetSeamBits() throws {
        let dir = try Tool.tempDir()
        let crane = Tool.sample("clips/crane-sway.mkv")
        let motion = "lavfi='scale=96:96',motion=window=1:k=8:preset=fast"
        let cases: [(String, [String], Bool)] = [
            (motion + ",loop=seconds=1.5", [], true),
            (motion, [], true),
            (motion + ",magnify=2,slowmo=1.37", [], true),  // a period of 32.9 frames
            (motion + ",loop=seconds=1.5,lavfi='eq=contrast=1.2'", [], true),
            (motion + ",loop=seconds=1.5", ["-t", "1"], false),
            (motion + ",loop=seconds=1.5", ["-frames:v", "20"], false),
            (motion + ",render=duration=1", [], false),
            (motion + ",loop=seconds=1.5,lavfi='trim=end_frame=20'", [], false),
            (motion + ",poke=x=0.5:y=0.5:dx=3:seconds=1", [], false),
        ]
        for (graph, extra, loops) in cases {
            let r = try Tool.gid(["-y", "-nostats", "-loglevel", "verbose", "-i", crane, "-vf", graph] + extra + ["out.mp4"], in: dir)
            #expect(r.status == 0, "\(graph): \(r.stderr)")
            #expect(r.stderr.contains("more bits at the seam") == loops, "\(graph) \(extra): loops \(loops), stderr: \(r.stderr.suffix(400))")
            // The zones end on the last frame the file holds.
            if loops, let said = r.stderr.firstMatch(of: /a loop of (\d+) frames/) {
                #expect(try Tool.probe("out.mp4", in: dir)["nb_read_frames"] == String(said.1), "\(graph)")
            }
        }
    }
}
