#if canImport(Glibc)
import Glibc
#endif

/// Large working buffers backed by transparent huge pages where the kernel offers them.
///
/// Why: frame interpolation's splats scatter into accumulators of 7 MB (at 640x360) and its
/// other kernels sweep several more such buffers; with 2 MB pages the TLB covers whole buffers
/// and a buffer's first touch costs one page fault per 2 MB instead of 512. This machine's kernel
/// gives huge pages only to memory that asks (`madvise` mode). Measured first with glibc's
/// hugetlb tunable on the whole process (slow motion x4 at 640x360 -11% wall, x2 -4%); these
/// buffers alone gave most of it (Benchmarks/slowmo/README.md).
public enum HugePages {
    /// Huge-page size on x86-64 and arm64 (4 KB base pages).
    static let size = 2 << 20

    /// Uninitialized memory for `capacity` values, 2 MB aligned and advised for huge pages when
    /// it spans at least one; release with `deallocate`.
    public static func allocate<T>(_ type: T.Type = T.self, capacity: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(capacity, 1) * MemoryLayout<T>.stride
        let huge = bytes >= size
        let rounded = huge ? (bytes + size - 1) / size * size : bytes
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, huge ? size : max(64, MemoryLayout<T>.alignment), rounded) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        #if canImport(Glibc)
        if huge { _ = madvise(raw, rounded, MADV_HUGEPAGE) }  // advice only: without huge pages it is plain memory
        #endif
        return raw.bindMemory(to: T.self, capacity: max(capacity, 1))
    }

    /// Releases memory from `allocate`.
    public static func deallocate<T>(_ p: UnsafeMutablePointer<T>) {
        free(p)
    }
}
