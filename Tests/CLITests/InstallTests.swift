import Foundation
import Testing

/// scripts/install.sh puts the binary and the model where the binary finds it; the Dockerfile
/// builds with the packages bootstrap.sh installs.
@Suite("Install")
struct InstallTests {
    @Test("install.sh: the installed binary finds the installed model and makes a loop from anywhere")
    func installedBinaryFindsItsModel() throws {
        let prefix = try Tool.tempDir()
        let script = Tool.root.appendingPathComponent("scripts/install.sh").path
        let r = try Tool.shell("GID_BIN=\"$G\" \(Tool.quote(script)) \(Tool.quote(prefix))", in: prefix)
        #expect(r.status == 0, "\(r.stderr)")
        let model = "\(prefix)/share/gid-filter/gid-prior-default.safetensors"
        #expect(FileManager.default.fileExists(atPath: model))
        let bin = "\(prefix)/bin/gid-filter"
        let version = try Tool.shell("env -u GID_PRIOR_MODEL \(Tool.quote(bin)) -version", in: "/")
        let text = String(decoding: version.stdout, as: UTF8.self)
        #expect(text.contains("libavcodec ") && text.contains("libavformat "), "\(text)")
        #expect(text.contains("model: \(model)"), "\(text)")
        let work = try Tool.tempDir()
        let run = try Tool.shell("env -u GID_PRIOR_MODEL \(Tool.quote(bin)) -y -i \(Tool.quote(Tool.sample("stills/coldripple.jpg"))) -s 128x96 -vf motion,loop=seconds=1 loop.mp4", in: work)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Tool.probe("loop.mp4", in: work)["nb_read_frames"] == "30")
    }

    /// The Debian packages a command line installs (`apt-get install ... PKG PKG \` lines).
    static func packages(in text: String, from marker: String) -> Set<String> {
        guard let start = text.range(of: marker) else { return [] }
        var words: [String] = []
        for line in text[start.upperBound...].split(separator: "\n") {
            let body = line.replacingOccurrences(of: "\\", with: " ")
            words += body.split(separator: " ").map(String.init).filter { !$0.hasPrefix("-") && !$0.contains("=") && $0 != "&&" }
            if !line.hasSuffix("\\") { break }
        }
        return Set(words.filter { $0.range(of: #"^[a-z0-9][a-z0-9.+-]+$"#, options: .regularExpression) != nil && !["apt-get", "install", "rm"].contains($0) })
    }

    @Test("the Dockerfile's build stage installs what bootstrap.sh installs")
    func dockerfileInStep() throws {
        let bootstrap = try String(contentsOf: Tool.root.appendingPathComponent("scripts/bootstrap.sh"), encoding: .utf8)
        let docker = try String(contentsOf: Tool.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let list = try #require(bootstrap.range(of: #"APT_PACKAGES=\(([^)]*)\)"#, options: .regularExpression))
        let wanted = Set(bootstrap[list].dropFirst("APT_PACKAGES=(".count).dropLast().split(whereSeparator: \.isWhitespace).map(String.init))
        let build = try #require(docker.range(of: "AS build")).upperBound
        let stage = String(docker[build...])
        let got = Self.packages(in: stage, from: "--no-install-recommends")
        #expect(!wanted.isEmpty && got == wanted, "bootstrap.sh: \(wanted.sorted()), Dockerfile: \(got.sorted())")
        #expect(docker.contains("ENTRYPOINT [\"gid-filter\"]"))
    }
}
