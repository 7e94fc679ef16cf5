import COpenBLAS
import Foundation

/// Picks OpenBLAS's kernels for CPUs its build does not recognise.
///
/// Debian's OpenBLAS 0.3.21 chooses its kernels when the library loads, and on CPUs newer than
/// itself (Sapphire Rapids, for one) falls back to its Prescott (SSE3) kernels: the prior's
/// network ran 1.8x slower there than with the AVX-512 ones. The choice can only be changed
/// through OPENBLAS_CORETYPE before the library loads, so the command line re-executes itself
/// once with it set. A user's own OPENBLAS_CORETYPE is left alone.
public enum BLASCore {
    /// Kernels OpenBLAS falls back to for CPUs it does not know.
    static let fallbacks: Set<String> = ["prescott", "core2", "nehalem", "barcelona"]

    /// The kernels this CPU can run ("SkylakeX" with AVX-512, "Haswell" with AVX2 + FMA), from
    /// the flags line of /proc/cpuinfo; nil when neither applies.
    static func suited(cpuFlags: Set<Substring>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The core to ask for, or nil when OpenBLAS's own choice stands. `cpuinfo` is read only
    /// when OpenBLAS fell back and the user chose nothing (not on every start-up).
    public static func better(loaded: String, environment: [String: String], cpuinfo: @autoclosure () -> String?) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, fallbacks.contains(loaded.lowercased()),
              let flags = cpuinfo()?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        return suited(cpuFlags: Set(flags.split(separator: " ")))
    }

    /// The kernels OpenBLAS runs in this process ("SkylakeX", "Prescott", ...).
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// Re-executes this program with OPENBLAS_CORETYPE set when `better` says so; returns when
    /// nothing is to be done or the exec fails (the program then runs on OpenBLAS's choice).
    public static func reexecIfNeeded() {
        #if os(Linux)
        guard let core = better(loaded: coreName, environment: ProcessInfo.processInfo.environment,
                                cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) else {
            return
        }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")   // the exec failed: carry on as we are
        #endif
    }
}
