import Testing
@testable import SpectralVolume

@Suite("OpenBLAS kernels for CPUs it does not know")
struct BLASCoreTests {
    static let avx512 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl\n"
    static let avx2 = "flags\t\t: fpu sse2 avx avx2 fma\n"

    @Test("a fallback core on an AVX-512 or AVX2 CPU is replaced; a known one or a user's choice stands")
    func choice() {
        #expect(BLASCore.better(loaded: "Prescott", environment: [:], cpuinfo: Self.avx512) == "SkylakeX")
        #expect(BLASCore.better(loaded: "Prescott", environment: [:], cpuinfo: Self.avx2) == "Haswell")
        #expect(BLASCore.better(loaded: "Haswell", environment: [:], cpuinfo: Self.avx512) == nil)
        #expect(BLASCore.better(loaded: "Prescott", environment: ["OPENBLAS_CORETYPE": "Prescott"], cpuinfo: Self.avx512) == nil)
        #expect(BLASCore.better(loaded: "Prescott", environment: [:], cpuinfo: "flags\t\t: fpu sse2 sse3\n") == nil)
        #expect(BLASCore.better(loaded: "Prescott", environment: [:], cpuinfo: nil) == nil)
    }
}
