import Graph
import SpectralVolume
import Testing

@Suite("viz")
struct VizTests {
    func picture(_ graph: String, _ scene: Scene) throws -> (RGBImage, StreamInfo) {
        let (items, info) = try run(graph, on: scene)
        let frames = try pictures(items)
        try #require(frames.count == 1)
        return (frames[0], info)
    }

    @Test(arguments: [("viz=heatmap", 96, 60), ("viz=arrows", 96, 60), ("viz=xt", 96, 150),
                      ("viz=spectrum", 640, 360), ("slowmo=2,viz=mode=xt:row=20", 96, 300)])
    func sizesAndNotBlank(graph: String, width: Int, height: Int) throws {
        let scene = try waveScene()
        let (image, info) = try picture(graph, scene)
        #expect(image.width == width && image.height == height)
        #expect(info.width == width && info.height == height && info.isStill && info.frameCount == 1)
        #expect(spread(image.data) > 0.05)
    }

    @Test func gridMarksTenthsAndLeavesTheRest() throws {
        let scene = try waveScene()
        let (plain, _) = try picture("viz=heatmap", scene)
        let (gridded, _) = try picture("viz=heatmap:grid=1", scene)
        let w = plain.width, h = plain.height
        let n = w * h
        func pixel(_ im: RGBImage, _ x: Int, _ y: Int) -> Float { im.data[y * w + x] }
        func darkest(_ im: RGBImage, _ x: Int, _ y: Int) -> Float {
            min(im.data[y * w + x], im.data[n + y * w + x], im.data[2 * n + y * w + x])
        }
        // The middle lines (x = 0.5 w, y = 0.5 h) are near-white through every row and column...
        let onLines = stride(from: 2, to: h - 2, by: 5).map { (w / 2, $0) } + stride(from: 2, to: w - 2, by: 5).map { ($0, h / 2) }
        #expect(onLines.allSatisfy { darkest(gridded, $0.0, $0.1) > 0.7 })
        #expect(onLines.filter { darkest(plain, $0.0, $0.1) > 0.7 }.count < onLines.count / 2)
        // ...and a pixel between lines is untouched.
        #expect(pixel(gridded, 23, 14) == pixel(plain, 23, 14))
    }

    @Test func heatmapIsBrightWhereThingsMove() throws {
        let scene = try waveScene()
        let (image, _) = try picture("viz=heatmap", scene)
        let w = image.width, n = image.planeSize
        func brightness(rows: Range<Int>) -> Double {
            var s = 0.0
            for y in rows { for x in 0..<(w - 10) { s += Double(image.data[y * w + x] + image.data[n + y * w + x]) } }
            return s / Double(rows.count * (w - 10))
        }
        // Water rows (the wave band) against the still pier at the bottom.
        #expect(brightness(rows: 19..<22) > 2 * brightness(rows: 45..<50))
    }

    @Test func xtOfStillMotionRepeatsTheRow() throws {
        let still = try Scene(image: samplePicture(width: 40, height: 24), volume: SpectralVolume(width: 40, height: 24))
        let (slice, _) = try picture("viz=xt:row=7", still)
        let w = 40, n = still.image.planeSize
        for t in [0, 75, 149] {
            for c in 0..<3 {
                let got = Array(slice.data[(c * w * 150 + t * w)..<(c * w * 150 + (t + 1) * w)])
                #expect(got == Array(still.image.data[(c * n + 7 * w)..<(c * n + 8 * w)]))
            }
        }
        // With motion, time rows differ.
        let (moving, _) = try picture("viz=xt:row=20", waveScene())
        #expect(moving.data[0..<96] != moving.data[(40 * 96)..<(41 * 96)])
    }

    @Test func spectrumBarsFollowThePower() throws {
        let scene = try waveScene()
        let (chart, _) = try picture("viz=spectrum", scene)
        // Height of the blue (x) bar in each frequency's column: the chart's own geometry.
        let w = chart.width, n = chart.planeSize
        let left = 56, plotW = w - 16 - left, group = Double(plotW) / 16
        func barHeight(_ k: Int) -> Int {
            let x = Int(Double(left) + group * Double(k) + group / 2) - 2
            return (0..<chart.height).filter { y in
                let p = y * w + x
                return chart.data[2 * n + p] > 0.7 && chart.data[p] < 0.3    // blue
            }.count
        }
        let heights = (1..<16).map(barHeight)
        #expect(heights.first! > 100)
        #expect(zip(heights, heights.dropFirst()).allSatisfy { $0 > $1 }, "\(heights)")
        #expect(barHeight(0) == 0)    // no mean offset in this scene
    }

    @Test func rowOutsideThePictureIsAUsageError() throws {
        #expect(throws: GIDError.self) { try run("viz=xt:row=500", on: waveScene(width: 16, height: 10)) }
    }
}
