import Foundation
import SpectralVolume
import Testing

@Suite("OpenBLAS kernels through the command line")
struct BLASCoreCLITests {
    /// -version names the kernels the process runs on: after the re-exec, never a fallback on a
    /// CPU that can run better ones; a user's OPENBLAS_CORETYPE is kept.
    @Test("gid-filter runs on kernels that suit the CPU, or on the ones the user chose")
    func kernels() throws {
        func kernels(_ env: String) throws -> String {
            let r = try Tool.shell("\(env) \"$G\" -version", in: "/")
            #expect(r.status == 0, "\(r.stderr)")
            let text = String(decoding: r.stdout, as: UTF8.self)
            let line = text.split(separator: "\n").first { $0.hasPrefix("OpenBLAS kernels: ") }
            return line.map { String($0.dropFirst("OpenBLAS kernels: ".count)) } ?? ""
        }
        let own = try kernels("env -u OPENBLAS_CORETYPE")
        #expect(!own.isEmpty)
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(BLASCore.better(loaded: own, environment: [:], cpuinfo: cpuinfo) == nil, "still on \(own)")
        #expect(try kernels("OPENBLAS_CORETYPE=Prescott").lowercased() == "prescott")
    }
}
