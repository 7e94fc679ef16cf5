#if FUZZING
import Foundation

// libFuzzer entry points, compiled with -DFUZZING -sanitize=fuzzer,address -parse-as-library
// (scripts/fuzz.sh); libFuzzer brings main(). GID_FUZZ_TARGET picks the target.

private nonisolated(unsafe) var selected: FuzzTargets.Target?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["GID_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        printError("gid-fuzz: set GID_FUZZ_TARGET to one of: \(names) (got '\(name)')")
        _exit(2)  // not exit(): LeakSanitizer would report the process's live objects
    }
    FuzzTargets.configure()
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let target = selected else { return 0 }
    _ = target.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// SwiftPM links an executable target on Linux with `--defsym main=<module>_main` (so tests can
// link its code), which would leave libFuzzer's own main() out: this is that entry point, and it
// hands over to libFuzzer's driver exactly as libFuzzer's main() does.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("gid_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runDriver(&count, &vector) { data, size in fuzz(data, size) }
}
#endif
