import Graph
import Testing

@Suite("Huge-page buffers")
struct HugePagesTests {
    @Test("large buffers are 2 MB aligned, small ones vector aligned; all hold what is written")
    func alignmentAndContents() {
        for (count, alignment) in [(1, 64), (1000, 64), (70_000, 2 << 20), (600_000, 2 << 20)] {
            let p = HugePages.allocate(SIMD8<Float>.self, capacity: count)
            defer { HugePages.deallocate(p) }
            #expect(Int(bitPattern: p) % alignment == 0, "capacity \(count)")
            for i in stride(from: 0, to: count, by: 4099) { p[i] = SIMD8(repeating: Float(i)) }
            p[count - 1] = SIMD8(repeating: -1)
            for i in stride(from: 0, to: count - 1, by: 4099) { #expect(p[i] == SIMD8(repeating: Float(i))) }
            #expect(p[count - 1] == SIMD8(repeating: -1))
        }
    }
}
