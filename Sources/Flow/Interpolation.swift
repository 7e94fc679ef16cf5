import Dispatch
import Foundation
import Graph

/// Video frame interpolation by softmax splatting (Niklaus & Liu, CVPR 2020), for real-video
/// slow motion, without the paper's learned networks.
///
/// For a pair (A, B) it measures the flow both ways (F: A -> B, G: B -> A) and gives every pixel
/// of each picture an importance from brightness constancy, Z = exp(-beta |A(p) - B(p + F(p))|)
/// (and likewise for B with G): a pixel that is covered in the other picture, or whose flow is
/// wrong, finds a different colour there and loses. A frame at fraction t is then
/// 1. A forward-splatted by t F and B by (1 - t) G (bilinear footprints weighted by Z), both into
///    one accumulator with temporal weights 1 - t and t: where a surface is visible in both
///    pictures their splats mix in time, where it is hidden in one the other's splat wins;
/// 2. a local fall-back toward plain blending in proportion to how little of the change the flow
///    explains (splatted warp error over plain frame difference: flames, water glitter, leaves),
///    where a partial blend is the better guess in the squared-error sense, less so the farther
///    things move (a blend of far-apart places is a double image) unless the two flows disagree;
/// 3. holes (nothing landed) filled with the plain blend.
///
/// Flow is measured on reduced pictures (see `flowScale`) and upsampled, and each flow is
/// seeded with the same direction's flow of the previous pair. Holds the two pictures, their
/// flows and weights, each picture's splat vectors and two accumulators (about 170 bytes a pixel
/// besides the pictures), all reused from pair to pair.
public final class FrameInterpolator {
    /// The flow settings.
    public let parameters: FlowParameters
    /// How many times the pictures are halved before measuring flow (0 = full resolution); nil
    /// = automatic: halved once, then again while still `automaticFlowWidth` pixels wide or
    /// more, at most three times (640 -> 160, 352 -> 176, 1920 -> 240), or once less where a
    /// probe finds that clearly better (see `probeInterval`).
    ///
    /// Why: on the six clips of Benchmarks/slowmo, 640-wide pictures measured at quarter size
    /// instead of half were 15-20% faster at x2 and x4 for -0.06..+0.17 dB (hollyhock, fire,
    /// swing set); pictures near 320 wide keep their half-size flow.
    public let flowScale: Int?
    /// Width from which the automatic `flowScale` halves once more.
    public static let automaticFlowWidth = 300
    /// Importance temperature: weight exp(-beta * mean |RGB error|) with colours in 0...1.
    public var beta: Float = 10
    /// Strength of the fall-back toward blending (0 = never): the blend's share is
    /// `fallback * (ratio - fallbackThreshold) / (1 - fallbackThreshold)`, clamped to 0...1, with
    /// ratio = splatted warp error / plain frame difference.
    ///
    /// Tuned on the six clips of Benchmarks/slowmo (x2 and x4): a share growing from ratio 0
    /// (1.5 x the ratio) beat the earlier dead zone (nothing below ratio 0.7) by 0.27 dB (x2)
    /// and 0.31 dB (x4) on average: foliage and leaves in light wind move in ways a warp gets
    /// slightly wrong everywhere, and the squared error prefers a partial blend there.
    public var fallback: Float = 1.5
    /// Ratio from which blending starts taking over.
    public var fallbackThreshold: Float = 0
    /// Motion length (pixels of the pair's flow) at which the fall-back's share is halved: it is
    /// divided by 1 + reach / fallbackMotion^2, reach = |F|^2 averaged over what landed (less
    /// where the flows disagree, see `fallbackConsistency`) (0 = no such limit).
    ///
    /// Why: blending is a good hedge where things move by a pixel or two (leaves, ripples), a
    /// double image where they move far. On the 44 clips of `bench_slowmo.py --all`, 4 px
    /// gained +0.13 dB (x2) and +0.11 dB (x4) on average against no limit: +2..3.3 dB on flames
    /// over a black background, +1 dB on the fountain spray, the cartoon and the steam, -0.3..-0.7
    /// dB on flickering fires whose flow is noise, -1.1 dB on the swing set at x4.
    public var fallbackMotion: Float = 4
    /// Round-trip miss (pixels, |F(p) + G(p + F(p))|) at which that motion limit is half
    /// lifted: a pixel's reach is |F|^2 / (1 + miss^2 / fallbackConsistency^2) (0 = always |F|^2).
    ///
    /// Why: where the two flows disagree the warp itself is doubtful (thin chains of a swing, flames
    /// whose flow is noise) and the blend is the better hedge even for long moves. On the 44 clips,
    /// 1 px gained +0.04 dB (x2) and +0.06 dB (x4) on average over the plain limit: swing set x4
    /// +1.0, flame close-up +0.7 / +0.5, leaf-pile fire +0.5 / +0.4; flames over black -0.1,
    /// waterfall x2 -0.5 (100x100 pixels).
    public var fallbackConsistency: Float = 1
    /// Automatic flow size only: the first pair also measures the flow at twice the automatic
    /// size, and the following pairs keep the finer size while its warp error (mean
    /// |A(p) - B(p + F(p))|, both ways) is below `probeGain` times the coarser one's; the next
    /// probe comes `probeInterval` pairs later, twice as late after each probe in a row that kept
    /// the automatic size (at most 16 times; 0 = never probe).
    ///
    /// Why: sharp-edged cartoons, flames and fast fine texture lose their motion at the
    /// automatic size, while most clips gain nothing from a finer flow that costs 11-17% more
    /// time on every pair. On the 44 clips of `bench_slowmo.py --all` the probe
    /// gained +0.05 dB (x2 and x4) on average: the cartoon +1.0 / +0.5, flames over black
    /// +0.5 / +0.7, flowing water x4 +0.5, steam +0.4 / +0.3, reeds +0.4; no clip lost more than
    /// 0.1 dB. It costs 3-20% more time on the six benchmark clips (the probe's extra flows, and
    /// finer flows on clips that switch). Backing off spares most clips a second probe for
    /// -0.01 dB (x2: the waterfall's finer size showed only at pair 16). The warp error predicts
    /// the gain poorly (a breathing turtle switches for nothing), so the threshold is loose: 0.9
    /// changed twice as many clips for the same mean, 0.8 would have missed the flames.
    public var probeInterval = 16
    /// How much lower the finer flow's warp error must be for the finer size to be kept.
    public var probeGain: Float = 0.85
    /// Strength of the sharpening that gives back the detail the bilinear splats blurred away
    /// (`SharpenKernel`; 1 = undo the blur to first order, 0 = off).
    ///
    /// Why: a made frame is the average of resampled pictures and looked softer than the real
    /// ones; minterpolate, which copies whole-pixel blocks, scored better in LPIPS on four of the
    /// six benchmark clips. With 1: PSNR +0.04 / +0.03 dB (x2 / x4) on those clips, LPIPS
    /// 0.0315 -> 0.0294 / 0.0381 -> 0.0359 (below minterpolate's 0.0314 / 0.0375).
    public var sharpening: Float = 1
    /// Scene-cut threshold (`SceneCutDetector`, fraction of full scale; 0 = never): at a cut each
    /// made frame is the nearer of the two pictures and no flow is measured.
    ///
    /// Why: across a cut no motion relates the pictures, and a warp between two scenes is a
    /// morph of ghosts (minterpolate does the same).
    public var sceneCut: Float {
        get { cuts.threshold }
        set { cuts.threshold = newValue }
    }
    private var cuts = SceneCutDetector()
    /// One estimator per direction: the two flows of a pair run side by side (one per core).
    private let estimators: [OpticalFlow]
    private var a: RGBImage?
    private var b: RGBImage?
    /// B's luma, full size first, then halved as far as the flow size allows.
    private var levelsB: [GrayImage]?
    /// The flow size chosen by the last probe (halvings), for automatic sizes.
    private var chosenScale: Int?
    private var pairIndex = 0
    /// The pair of the next probe, and how many probes in a row kept the automatic size.
    private var nextProbe = 0
    private var coarseProbes = 0
    /// Whether `work` holds the current pair's flows, weights and splat vectors.
    private var prepared = false
    /// The current pair's two pictures are identical (a held frame: slideshows, screen captures,
    /// sources with duplicated frames): every made frame is that picture, and nothing is measured.
    private var held = false
    /// The current pair is a scene cut (`sceneCut`).
    private var cut = false
    private var previousForward: FlowField?
    private var previousBackward: FlowField?
    private let work = InterpolationBuffers()

    /// An interpolator using the given flow preset, measured at full resolution for `best` and
    /// at the automatic reduced size otherwise.
    public convenience init(preset: FlowPreset = .medium) {
        self.init(preset: preset, flowScale: preset == .best ? 0 : nil)
    }

    /// An interpolator with an explicit flow preset and flow resolution (0 = full, 1 = half...,
    /// nil = automatic).
    public init(preset: FlowPreset, flowScale: Int?) {
        parameters = FlowParameters(preset)
        estimators = [OpticalFlow(preset: preset), OpticalFlow(preset: preset)]
        self.flowScale = flowScale.map { max(0, min($0, 3)) }
    }

    /// Width and height of the current pair (0 before the first).
    public var size: (width: Int, height: Int) { (b?.width ?? 0, b?.height ?? 0) }

    /// Makes (previous B, `next`) the current pair; the first call only stores `next`.
    /// Returns false while there is no pair yet.
    @discardableResult
    public func advance(to next: RGBImage) throws -> Bool {
        let levelsNext = levels(GrayImage(next))
        defer { b = next; levelsB = levelsNext }
        guard let previous = b, let levelsPrevious = levelsB else { return false }
        guard previous.width == next.width, previous.height == next.height else {
            throw GIDError.input("frame interpolation: frames are \(previous.width)x\(previous.height) and \(next.width)x\(next.height); they must be the same size")
        }
        try setPair(previous, levelsPrevious, next, levelsNext)
        return true
    }

    /// Sets the pair (A, B) directly (no seeding from an earlier pair).
    public func prepare(from first: RGBImage, to second: RGBImage) throws {
        b = nil
        prepared = false
        cuts.reset()
        levelsB = nil
        chosenScale = nil
        pairIndex = 0
        nextProbe = 0
        coarseProbes = 0
        previousForward = nil
        previousBackward = nil
        try advance(to: first)
        try advance(to: second)
    }

    /// Size of the flow fields measured for the current pair (the reduced pictures' size).
    public var flowSize: (width: Int, height: Int) { (previousForward?.width ?? 0, previousForward?.height ?? 0) }

    /// The flow A -> B and B -> A of the current pair (full resolution).
    public var flows: (forward: FlowField, backward: FlowField) {
        let (w, h) = prepared || held || cut ? size : (0, 0)
        func field(_ p: UnsafeMutablePointer<Float>) -> FlowField {
            held || cut ? FlowField(width: w, height: h)
                : FlowField(width: w, height: h, data: Array(UnsafeBufferPointer(start: p, count: 2 * w * h)))
        }
        return (field(work.flow0), field(work.flow1))
    }

    /// The importance weights exp(-beta |error|) of A's and B's pixels, (H, W) each.
    public var importance: (a: [Float], b: [Float]) {
        let n = work.count
        return (Array(UnsafeBufferPointer(start: work.z0, count: n)), Array(UnsafeBufferPointer(start: work.z1, count: n)))
    }

    /// The luma picture, then halved again and again down to the flow size: `flowScale` times, or
    /// for the automatic size once and then while still `automaticFlowWidth` wide, at most 3 times.
    private func levels(_ g: GrayImage) -> [GrayImage] {
        var out = [g]
        for step in 0..<(flowScale ?? 3) {
            let g = out[out.count - 1]
            if flowScale == nil, step > 0, g.width < Self.automaticFlowWidth { break }
            let w = g.width / 2, h = g.height / 2
            guard w >= parameters.patchSize * 2, h >= parameters.patchSize * 2 else { break }
            var half = [Float](repeating: 0, count: w * h)
            g.data.withUnsafeBufferPointer { s in half.withUnsafeMutableBufferPointer { d in
                PyramidKernels.halve(s.baseAddress!, width: g.width, height: g.height, into: d.baseAddress!)
            }}
            out.append(GrayImage(width: w, height: h, data: half))
        }
        return out
    }

    /// `field` measured on the reduced pictures, resized to w x h with vectors scaled to match,
    /// into `out` (2 w h values).
    private static func upsample(_ field: FlowField, width w: Int, height h: Int, into out: UnsafeMutablePointer<Float>) {
        field.data.withUnsafeBufferPointer { s in
            let sp = s.baseAddress!
            if field.width == w && field.height == h {
                out.update(from: sp, count: 2 * w * h)
                return
            }
            let sx = Float(w) / Float(field.width), sy = Float(h) / Float(field.height)
            PyramidKernels.resize(sp, width: field.width, height: field.height, into: out, width: w, height: h, scale: sx)
            PyramidKernels.resize(sp + field.planeSize, width: field.width, height: field.height,
                                  into: out + w * h, width: w, height: h, scale: sy)
        }
    }

    /// Flows of a pair as measured (reduced size); `use` upsamples them to the pictures' size.
    private struct PairFlows {
        let small: FlowField, smallBack: FlowField
    }

    private func setPair(_ first: RGBImage, _ levels0: [GrayImage], _ second: RGBImage, _ levels1: [GrayImage]) throws {
        a = first
        let coarsest = levels0.count - 1
        let seeds = (previousForward, previousBackward)
        defer { pairIndex += 1 }
        held = first.data == second.data && first.alpha == second.alpha
        let difference = held ? 0 : SceneCutDetector.difference(levels0[coarsest], levels1[coarsest])
        cut = cuts.isCut(difference: difference)
        if cut {
            // The next pair is in the new scene: this pair's flows would be no seed for it.
            previousForward = nil
            previousBackward = nil
            Log.verbose(String(format: "frame interpolation: pair %ld: scene cut (mean luma difference %.3f)", pairIndex, difference))
        }
        if held || cut { return }
        // `>=`: a probe due on a held pair comes with the next pair that moves.
        guard flowScale == nil, coarsest > 0, probeInterval > 0, pairIndex >= nextProbe else {
            let scale = min(chosenScale ?? coarsest, coarsest)
            use(try measure(levels0, levels1, at: scale, seeds: seeds), first, second)
            return
        }
        // A probe: the automatic size and twice that; the finer one stays while its warp explains
        // the pair clearly better.
        // The finer size first: most probes keep the coarser one, whose weights are then in place.
        let fine = try measure(levels0, levels1, at: coarsest - 1, seeds: seeds)
        use(fine, first, second)
        let fineError = meanWarpError()
        let coarse = try measure(levels0, levels1, at: coarsest, seeds: seeds)
        use(coarse, first, second)
        let coarseError = meanWarpError()
        let finer = fineError < probeGain * coarseError
        chosenScale = finer ? coarsest - 1 : coarsest
        if finer { use(fine, first, second) }
        // A clip that keeps not needing the finer size is asked less and less often.
        coarseProbes = finer ? 0 : min(coarseProbes + 1, 4)
        nextProbe = pairIndex + (probeInterval << coarseProbes)
        let (c, f) = (levels0[coarsest], levels0[coarsest - 1])
        Log.verbose(String(format: "frame interpolation: pair %ld: flow at %ldx%ld from here (mean warp error %.4f at %ldx%ld, %.4f at %ldx%ld)",
                           pairIndex, finer ? f.width : c.width, finer ? f.height : c.height,
                           coarseError, c.width, c.height, fineError, f.width, f.height))
    }

    /// Both flows of the pair measured on level `scale` of the two pictures' luma pyramids, each
    /// seeded with the previous pair's flow in the same direction (`seeds`) when that was
    /// measured at the same size.
    private func measure(_ levels0: [GrayImage], _ levels1: [GrayImage], at scale: Int,
                         seeds: (FlowField?, FlowField?)) throws -> PairFlows {
        let g0 = levels0[scale], g1 = levels1[scale]
        guard g0.width >= parameters.patchSize, g0.height >= parameters.patchSize else {
            // A few pixels across: no patch fits, so no motion is measured and the made frames
            // are plain blends (zero flow), rather than refusing the clip.
            let still = FlowField(width: g0.width, height: g0.height)
            return PairFlows(small: still, smallBack: still)
        }
        let hintF = seeds.0.flatMap { $0.width == g0.width && $0.height == g0.height ? $0 : nil }
        let hintB = seeds.1.flatMap { $0.width == g0.width && $0.height == g0.height ? $0 : nil }
        // Both directions at once: each estimator's own kernels use few threads at these sizes,
        // so side by side keeps both cores busy (the result does not depend on it).
        // The two estimators are separate objects, each used by one job only.
        nonisolated(unsafe) let jobs = [(estimators[0], g0, g1, hintF), (estimators[1], g1, g0, hintB)]
        let results = ResultSlots<FlowField>(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { j in
            let (estimator, from, to, hint) = jobs[j]
            results[j] = Result { try estimator.compute(from: from, to: to, hint: hint) }
        }
        return PairFlows(small: try results.value(0), smallBack: try results.value(1))
    }

    /// Makes `flows` the pair's: flows at full size, importance weights, warp errors and reaches.
    private func use(_ flows: PairFlows, _ first: RGBImage, _ second: RGBImage) {
        previousForward = flows.small
        previousBackward = flows.smallBack
        let w = first.width, h = first.height
        work.reserve(w * h)
        prepared = true
        nonisolated(unsafe) let upsampling = [(flows.small, work.flow0), (flows.smallBack, work.flow1)]
        DispatchQueue.concurrentPerform(iterations: 2) { j in
            FrameInterpolator.upsample(upsampling[j].0, width: w, height: h, into: upsampling[j].1)
        }
        let beta = beta
        // The misses first: the importance pass turns them into reaches for the splat vectors.
        setMisses(flows.small, flows.smallBack, width: w, height: h)
        let work = work
        first.data.withUnsafeBufferPointer { pa in second.data.withUnsafeBufferPointer { pb in
            let k = ImportanceKernel(width: w, height: h, beta: beta, a: pa.baseAddress!, b: pb.baseAddress!,
                                     forward: work.flow0, backward: work.flow1, z0: work.z0, z1: work.z1,
                                     e0: work.e0, e1: work.e1, miss0: work.miss0, miss1: work.miss1,
                                     consistency: fallbackConsistency, src0: work.src0, src1: work.src1)
            parallelStripes(h, stripes: denseStripes) { y0, y1 in k.rows(y0, y1) }
        }}
    }

    /// Mean warp error |A(p) - B(p + F(p))| of both pictures under the flows in use (colours 0...1).
    private func meanWarpError() -> Float {
        let n = work.count, e0 = work.e0, e1 = work.e1
        var sum: Double = 0
        for i in 0..<n { sum += Double(e0[i] + e1[i]) }
        return Float(sum / Double(2 * n))
    }

    /// A pixel's reach for the fall-back limit: |F|^2 / (1 + miss^2 / fallbackConsistency^2),
    /// with miss the flows' round-trip miss |F(p) + G(p + F(p))| (pixels).
    @inline(__always)
    static func reach(lengthSquared: Float, missSquared: Float, consistency: Float) -> Float {
        consistency > 0 ? lengthSquared / (1 + missSquared / (consistency * consistency)) : lengthSquared
    }

    /// Fills `work.miss0` / `miss1` with the pair's squared round-trip misses at full size,
    /// measured on the reduced flows (a sixteenth of the pixels; the full-size flows are their
    /// upsampling); the importance pass turns them into reaches.
    private func setMisses(_ small: FlowField, _ smallBack: FlowField, width w: Int, height h: Int) {
        let scale = Float(w) / Float(small.width)
        for (from, to, into) in [(small, smallBack, work.miss0), (smallBack, small, work.miss1)] {
            let miss = FlowConsistency.missSquared(forward: from, backward: to)
            // Squared misses scale with the square of the size ratio.
            miss.withUnsafeBufferPointer { m in
                PyramidKernels.resize(m.baseAddress!, width: from.width, height: from.height, into: into, width: w, height: h,
                                      scale: scale * scale)
            }
        }
    }

    /// The picture at fraction `t` (0 = A, 1 = B) of the current pair.
    public func frame(at t: Float) throws -> RGBImage {
        guard let a, let b else { throw GIDError.internal("frame interpolation: no pair prepared") }
        if t <= 0 || held || (cut && t < 0.5) { return a }
        if t >= 1 || cut { return b }
        guard prepared, work.count == a.width * a.height else {
            throw GIDError.internal("frame interpolation: no pair prepared")
        }
        let w = a.width, h = a.height, n = w * h
        let acc0 = work.acc0, acc1 = work.acc1, src0 = work.src0, src1 = work.src1, z0 = work.z0, z1 = work.z1
        let pf = work.flow0, pg = work.flow1
        let sharpen = sharpening > 0, unsharp = work.unsharp, gains = work.gains
        // The gather writes every sample, so the picture is not cleared first (2.7 MB at 640x360).
        let out = [Float](unsafeUninitializedCapacity: 3 * n) { po, count in
        count = 3 * n
        a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
            let s0 = SplatPass(width: w, height: h, source: src0, flow: pf, along: t, importance: z0, into: acc0)
            let s1 = SplatPass(width: w, height: h, source: src1, flow: pg, along: 1 - t, importance: z1, into: acc1)
            // The two splats write separate accumulators: one per core, same result on any machine.
            DispatchQueue.concurrentPerform(iterations: 2) { i in (i == 0 ? s0 : s1).run() }
            var g = GatherKernel(width: w, height: h, t: t, fallback: fallback, threshold: fallbackThreshold,
                                 fallbackMotion: fallbackMotion,
                                 a: pa.baseAddress!, b: pb.baseAddress!,
                                 acc0: acc0, acc1: acc1, out: sharpen ? unsharp : po.baseAddress!)
            if sharpen {
                g.gains = gains
                g.sharpening = sharpening
            }
            let gather = g
            parallelStripes(h, stripes: denseStripes) { y0, y1 in gather.rows(y0, y1) }
            if sharpen {
                let k = SharpenKernel(width: w, height: h, unsharp: unsharp, gains: gains, out: po.baseAddress!)
                parallelStripes(h, stripes: denseStripes) { y0, y1 in k.rows(y0, y1) }
            }
        }}}
        return RGBImage(width: w, height: h, data: out)
    }
}
