import Graph
import Testing

@Suite("Box filter")
struct BoxFilterTests {
    @Test("equals the brute-force mean over the clipped window", arguments: [(13, 7, 2), (5, 9, 3), (4, 4, 6)])
    func matchesBruteForce(w: Int, h: Int, r: Int) {
        var state: UInt64 = 42
        let plane = (0..<(w * h)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        var fast = plane
        BoxFilter.mean(&fast, width: w, height: h, radius: r)
        for y in 0..<h {
            for x in 0..<w {
                var sum: Double = 0, n = 0
                for yy in max(0, y - r)...min(h - 1, y + r) {
                    for xx in max(0, x - r)...min(w - 1, x + r) { sum += Double(plane[yy * w + xx]); n += 1 }
                }
                #expect(abs(Double(fast[y * w + x]) - sum / Double(n)) < 1e-6, "(\(x), \(y))")
            }
        }
    }

    @Test("a constant plane stays constant; a zero plane stays exactly zero")
    func constants() {
        var c = [Float](repeating: 0.3, count: 40 * 30)
        BoxFilter.mean(&c, width: 40, height: 30, radius: 5)
        #expect(c.allSatisfy { abs($0 - 0.3) < 1e-7 })
        var z = [Float](repeating: 0, count: 40 * 30)
        z[0] = 5
        BoxFilter.mean(&z, width: 40, height: 30, radius: 5)
        #expect(z[39 * 1 + 29 * 40] == 0, "far from the spike")
        #expect(z.allSatisfy { $0 >= 0 })
    }
}
