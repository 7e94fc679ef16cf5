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
///    where a partial blend is the better guess in the squared-error sense;
/// 3. holes (nothing landed) filled with the plain blend.
///
/// Flow is measured on reduced pictures (see `flowScale`) and upsampled, and each flow is
/// seeded with the same direction's flow of the previous pair. Holds the two pictures, their
/// flows and weights plus two accumulators, all reused from pair to pair.
public final class FrameInterpolator {
    /// The flow settings.
    public let parameters: FlowParameters
    /// How many times the pictures are halved before measuring flow (0 = full resolution); nil
    /// = automatic: halved once, then again while still `automaticFlowWidth` pixels wide or
    /// more, at most three times (640 -> 160, 352 -> 176, 1920 -> 240).
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
    /// One estimator per direction: the two flows of a pair run side by side (one per core).
    private let estimators: [OpticalFlow]
    private var a: RGBImage?
    private var b: RGBImage?
    private var grayB: GrayImage?
    private var forward = FlowField(width: 0, height: 0)
    private var backward = FlowField(width: 0, height: 0)
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
        let grayNext = reduced(GrayImage(next))
        defer { b = next; grayB = grayNext }
        guard let previous = b, let grayPrevious = grayB else { return false }
        guard previous.width == next.width, previous.height == next.height else {
            throw GIDError.input("frame interpolation: frames are \(previous.width)x\(previous.height) and \(next.width)x\(next.height); they must be the same size")
        }
        try setPair(previous, grayPrevious, next, grayNext)
        return true
    }

    /// Sets the pair (A, B) directly (no seeding from an earlier pair).
    public func prepare(from first: RGBImage, to second: RGBImage) throws {
        b = nil
        grayB = nil
        previousForward = nil
        previousBackward = nil
        try advance(to: first)
        try advance(to: second)
    }

    /// The flow A -> B and B -> A of the current pair (full resolution).
    public var flows: (forward: FlowField, backward: FlowField) { (forward, backward) }

    /// The importance weights exp(-beta |error|) of A's and B's pixels, (H, W) each.
    public var importance: (a: [Float], b: [Float]) {
        let n = work.count
        return (Array(UnsafeBufferPointer(start: work.z0, count: n)), Array(UnsafeBufferPointer(start: work.z1, count: n)))
    }

    /// The luma picture halved `flowScale` times (automatic: see `flowScale`).
    private func reduced(_ g: GrayImage) -> GrayImage {
        var g = g
        for step in 0..<(flowScale ?? 3) {
            if flowScale == nil, step > 0, g.width < Self.automaticFlowWidth { break }
            let w = g.width / 2, h = g.height / 2
            guard w >= parameters.patchSize * 2, h >= parameters.patchSize * 2 else { break }
            var out = [Float](repeating: 0, count: w * h)
            g.data.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
                PyramidKernels.halve(s.baseAddress!, width: g.width, height: g.height, into: d.baseAddress!)
            }}
            g = GrayImage(width: w, height: h, data: out)
        }
        return g
    }

    /// `field` measured on the reduced pictures, resized to w x h with vectors scaled to match.
    private static func upsampled(_ field: FlowField, width w: Int, height h: Int) -> FlowField {
        if field.width == w && field.height == h { return field }
        var out = [Float](repeating: 0, count: 2 * w * h)
        let sx = Float(w) / Float(field.width), sy = Float(h) / Float(field.height)
        field.data.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
            let sp = s.baseAddress!, dp = d.baseAddress!
            PyramidKernels.resize(sp, width: field.width, height: field.height, into: dp, width: w, height: h, scale: sx)
            PyramidKernels.resize(sp + field.planeSize, width: field.width, height: field.height,
                                  into: dp + w * h, width: w, height: h, scale: sy)
        }}
        return FlowField(width: w, height: h, data: out)
    }

    private func setPair(_ first: RGBImage, _ g0: GrayImage, _ second: RGBImage, _ g1: GrayImage) throws {
        a = first
        let hintF = previousForward.flatMap { $0.width == g0.width && $0.height == g0.height ? $0 : nil }
        let hintB = previousBackward.flatMap { $0.width == g0.width && $0.height == g0.height ? $0 : nil }
        // Both directions at once: each estimator's own kernels use few threads at these sizes,
        // so side by side keeps both cores busy (the result does not depend on it).
        // The two estimators are separate objects, each used by one job only.
        nonisolated(unsafe) let jobs = [(estimators[0], g0, g1, hintF), (estimators[1], g1, g0, hintB)]
        let results = ResultSlots<(small: FlowField, full: FlowField)>(count: 2)
        let w = first.width, h = first.height
        DispatchQueue.concurrentPerform(iterations: 2) { j in
            let (estimator, from, to, hint) = jobs[j]
            results[j] = Result {
                let small = try estimator.compute(from: from, to: to, hint: hint)
                return (small, FrameInterpolator.upsampled(small, width: w, height: h))
            }
        }
        let (f, b) = (try results.value(0), try results.value(1))
        previousForward = f.small
        previousBackward = b.small
        forward = f.full
        backward = b.full
        work.reserve(w * h)
        let beta = beta
        let z0 = work.z0, z1 = work.z1, e0 = work.e0, e1 = work.e1
        first.data.withUnsafeBufferPointer { pa in second.data.withUnsafeBufferPointer { pb in
        forward.data.withUnsafeBufferPointer { pf in backward.data.withUnsafeBufferPointer { pg in
            let k = ImportanceKernel(width: w, height: h, beta: beta, a: pa.baseAddress!, b: pb.baseAddress!,
                                     forward: pf.baseAddress!, backward: pg.baseAddress!, z0: z0, z1: z1, e0: e0, e1: e1)
            parallelStripes(h, stripes: denseStripes) { y0, y1 in k.rows(y0, y1) }
        }}}}
    }

    /// The picture at fraction `t` (0 = A, 1 = B) of the current pair.
    public func frame(at t: Float) throws -> RGBImage {
        guard let a, let b, forward.width == a.width, work.count == a.width * a.height else {
            throw GIDError.internal("frame interpolation: no pair prepared")
        }
        if t <= 0 { return a }
        if t >= 1 { return b }
        let w = a.width, h = a.height, n = w * h
        let acc0 = work.acc0, acc1 = work.acc1, z0 = work.z0, z1 = work.z1, e0 = work.e0, e1 = work.e1
        var out = [Float](repeating: 0, count: 3 * n)
        a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
        forward.data.withUnsafeBufferPointer { pf in backward.data.withUnsafeBufferPointer { pg in
        out.withUnsafeMutableBufferPointer { po in
            let s0 = SplatPass(width: w, height: h, image: pa.baseAddress!, flow: pf.baseAddress!, along: t,
                               importance: z0, error: e0, into: acc0)
            let s1 = SplatPass(width: w, height: h, image: pb.baseAddress!, flow: pg.baseAddress!, along: 1 - t,
                               importance: z1, error: e1, into: acc1)
            // The two splats write separate accumulators: one per core, same result on any machine.
            DispatchQueue.concurrentPerform(iterations: 2) { i in (i == 0 ? s0 : s1).run() }
            let g = GatherKernel(width: w, height: h, t: t, fallback: fallback, threshold: fallbackThreshold,
                                 a: pa.baseAddress!, b: pb.baseAddress!,
                                 acc0: acc0, acc1: acc1, out: po.baseAddress!)
            parallelStripes(h, stripes: denseStripes) { y0, y1 in g.rows(y0, y1) }
        }}}}}
        return RGBImage(width: w, height: h, data: out)
    }
}

/// Buffers of `FrameInterpolator`, allocated for the largest picture seen and reused.
final class InterpolationBuffers: @unchecked Sendable {
    private(set) var count = 0
    private var capacity = 0
    /// Per-pixel importance and warp error of A's and B's pixels.
    private(set) var z0 = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var z1 = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var e0 = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var e1 = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// Splat accumulators (lanes: w r, w g, w b, w, w * warp error, w * plain difference, -, -).
    private(set) var acc0 = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 1)
    private(set) var acc1 = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 1)

    func reserve(_ n: Int) {
        count = n
        guard n > capacity else { return }
        for p in [z0, z1, e0, e1] { p.deallocate() }
        acc0.deallocate()
        acc1.deallocate()
        z0 = .allocate(capacity: n); z1 = .allocate(capacity: n)
        e0 = .allocate(capacity: n); e1 = .allocate(capacity: n)
        acc0 = .allocate(capacity: n); acc1 = .allocate(capacity: n)
        capacity = n
    }
    deinit {
        for p in [z0, z1, e0, e1] { p.deallocate() }
        acc0.deallocate()
        acc1.deallocate()
    }
}

/// Per pair: importance exp(-beta e) and warp error e = mean |A(p) - B(p + F(p))| (and for B).
private struct ImportanceKernel: @unchecked Sendable {
    let width: Int, height: Int, beta: Float
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let forward: UnsafePointer<Float>, backward: UnsafePointer<Float>
    let z0: UnsafeMutablePointer<Float>, z1: UnsafeMutablePointer<Float>
    let e0: UnsafeMutablePointer<Float>, e1: UnsafeMutablePointer<Float>

    func rows(_ y0: Int, _ y1: Int) {
        pass(y0, y1, a, b, forward, z0, e0)
        pass(y0, y1, b, a, backward, z1, e1)
    }

    private func pass(_ y0: Int, _ y1: Int, _ src: UnsafePointer<Float>, _ dst: UnsafePointer<Float>,
                      _ f: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ e: UnsafeMutablePointer<Float>) {
        let w = width, h = height, n = w * h
        let vectorEnd = w >= 2 && h >= 2 ? w - w % 8 : 0
        for y in y0..<y1 {
            for x in stride(from: 0, to: vectorEnd, by: 8) {
                errors8(x, y, src, dst, f, e)
            }
            for x in vectorEnd..<w {
                let i = y * w + x
                let tx = Float(x) + f[i], ty = Float(y) + f[n + i]
                var err: Float
                if tx < -0.5 || ty < -0.5 || tx > Float(w) - 0.5 || ty > Float(h) - 0.5 {
                    err = 0.5  // leaves the picture: no evidence either way, a weak weight
                } else {
                    // One clamped footprint for the three planes (same maths as `bilinear`).
                    let cx = min(max(tx, 0), Float(w - 1)), cy = min(max(ty, 0), Float(h - 1))
                    let ix = min(Int(cx), max(w - 2, 0)), iy = min(Int(cy), max(h - 2, 0))
                    let ax = cx - Float(ix), ay = cy - Float(iy)
                    let j00 = iy * w + ix, j01 = iy * w + min(ix + 1, w - 1)
                    let j10 = min(iy + 1, h - 1) * w + ix, j11 = min(iy + 1, h - 1) * w + min(ix + 1, w - 1)
                    err = 0
                    for c in 0..<3 {
                        let q = dst + c * n
                        let top = q[j00] + ax * (q[j01] - q[j00])
                        let bottom = q[j10] + ax * (q[j11] - q[j10])
                        err += abs(src[c * n + i] - (top + ay * (bottom - top)))
                    }
                    err *= 1 / 3
                }
                e[i] = err
            }
            weights(from: e + y * w, into: z + y * w, count: w)
        }
    }

    /// `pass`'s error for pixels x..<x+8 of row y, the same maths 8 lanes at a time (needs w, h >= 2,
    /// so the footprint's right and lower neighbours are always one step away).
    @inline(__always)
    private func errors8(_ x: Int, _ y: Int, _ src: UnsafePointer<Float>, _ dst: UnsafePointer<Float>,
                         _ f: UnsafePointer<Float>, _ e: UnsafeMutablePointer<Float>) {
        let w = width, h = height, n = w * h, i = y * w + x
        let raw = UnsafeRawPointer(f)
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        let tx = SIMD8<Float>(repeating: Float(x)) + lanes + raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let ty = SIMD8<Float>(repeating: Float(y)) + raw.loadUnaligned(fromByteOffset: 4 * (n + i), as: SIMD8<Float>.self)
        let outside = (tx .< -0.5) .| (ty .< -0.5) .| (tx .> Float(w) - 0.5) .| (ty .> Float(h) - 0.5)
        let cx = Self.clamp(tx, 0, Float(w - 1)), cy = Self.clamp(ty, 0, Float(h - 1))
        let fx = Self.clamp(Self.floor(cx), 0, Float(w - 2)), fy = Self.clamp(Self.floor(cy), 0, Float(h - 2))
        let ax = cx - fx, ay = cy - fy
        let j = Self.integers(fy) &* Int32(w) &+ Self.integers(fx)
        var err = SIMD8<Float>.zero
        for c in 0..<3 {
            let q = dst + c * n
            var q00 = SIMD8<Float>.zero, q01 = q00, q10 = q00, q11 = q00
            for l in 0..<8 {
                let k = Int(j[l])
                q00[l] = q[k]; q01[l] = q[k + 1]; q10[l] = q[k + w]; q11[l] = q[k + w + 1]
            }
            let top = q00 + ax * (q01 - q00)
            let bottom = q10 + ax * (q11 - q10)
            let s = UnsafeRawPointer(src).loadUnaligned(fromByteOffset: 4 * (c * n + i), as: SIMD8<Float>.self)
            let d = s - (top + ay * (bottom - top))
            err += d.replacing(with: -d, where: d .< 0)
        }
        err *= 1 / 3
        err.replace(with: 0.5, where: outside)
        UnsafeMutableRawPointer(e).storeBytes(of: err, toByteOffset: 4 * i, as: SIMD8<Float>.self)
    }

    // The standard library's SIMD clamped / rounded(.down) are calls per lane here; these inline.
    @inline(__always)
    private static func clamp(_ v: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
        var r = v
        r.replace(with: SIMD8(repeating: lo), where: r .< lo)
        r.replace(with: SIMD8(repeating: hi), where: r .> hi)
        return r
    }

    /// floor for 0 <= v < 2^23: round to nearest by the 2^23 trick, then step down where it went up.
    @inline(__always)
    private static func floor(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let magic = SIMD8<Float>(repeating: 8388608)
        let r = (v + magic) - magic
        return r.replacing(with: r - 1, where: r .> v)
    }

    /// Whole floats in 0..<2^23 as integers, by the 2^23 trick (the generic SIMD conversion is a
    /// slow per-lane call).
    @inline(__always)
    private static func integers(_ v: SIMD8<Float>) -> SIMD8<Int32> {
        let magic = SIMD8<Float>(repeating: 8388608)
        return unsafeBitCast(v + magic, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    }

    /// z = exp(-beta e) + 1e-6, 8 at a time (the scalar expf was a third of this pass).
    private func weights(from e: UnsafeMutablePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int) {
        let n8 = count / 8
        let src = UnsafeRawPointer(e), dst = UnsafeMutableRawPointer(z)
        for k in 0..<n8 {
            let v = src.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)
            dst.storeBytes(of: VectorMath.exp8(-beta * v) + 1e-6, toByteOffset: 32 * k, as: SIMD8<Float>.self)
        }
        for k in (8 * n8)..<count { z[k] = exp(-beta * e[k]) + 1e-6 }
    }
}

/// Forward splat of one picture along `along` times its flow into an accumulator (cleared first).
private struct SplatPass: @unchecked Sendable {
    let width: Int, height: Int
    let image: UnsafePointer<Float>, flow: UnsafePointer<Float>, along: Float
    let importance: UnsafePointer<Float>, error: UnsafePointer<Float>
    let into: UnsafeMutablePointer<SIMD8<Float>>

    func run() {
        let w = width, h = height, n = w * h, s = along
        into.update(repeating: .zero, count: n)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                let px = Float(x) + s * flow[i], py = Float(y) + s * flow[n + i]
                guard px > -1, py > -1, px < Float(w), py < Float(h) else { continue }
                let z = importance[i]
                let v = SIMD8<Float>(z * image[i], z * image[n + i], z * image[2 * n + i], z, z * error[i], 0, 0, 0)
                let x0 = Int(px.rounded(.down)), y0 = Int(py.rounded(.down))
                let fx = px - Float(x0), fy = py - Float(y0)
                let inX0 = x0 >= 0, inX1 = x0 + 1 < w, inY0 = y0 >= 0, inY1 = y0 + 1 < h
                let j = y0 * w + x0
                if inY0 {
                    if inX0 { into[j] += ((1 - fx) * (1 - fy)) * v }
                    if inX1 { into[j + 1] += (fx * (1 - fy)) * v }
                }
                if inY1 {
                    if inX0 { into[j + w] += ((1 - fx) * fy) * v }
                    if inX1 { into[j + w + 1] += (fx * fy) * v }
                }
            }
        }
    }
}

/// Per output pixel: normalizes and mixes the two splats, falls back toward the blend.
private struct GatherKernel: @unchecked Sendable {
    let width: Int, height: Int, t: Float, fallback: Float, threshold: Float
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let acc0: UnsafePointer<SIMD8<Float>>, acc1: UnsafePointer<SIMD8<Float>>
    let out: UnsafeMutablePointer<Float>

    /// Weight of the plain blend mixed into every pixel: fills holes, negligible elsewhere.
    static let holeWeight: Float = 1e-3

    func rows(_ y0: Int, _ y1: Int) {
        let w = width, n = w * height, s = 1 - t
        for y in y0..<y1 {
            for x in 0..<w {
                let i = y * w + x
                let m = s * acc0[i] + t * acc1[i]
                let ra = a[i], ga = a[n + i], ba = a[2 * n + i], rb = b[i], gb = b[n + i], bb = b[2 * n + i]
                let br = s * ra + t * rb, bg = s * ga + t * gb, bbl = s * ba + t * bb
                let den = m[3] + Self.holeWeight
                var r = (m[0] + Self.holeWeight * br) / den
                var g = (m[1] + Self.holeWeight * bg) / den
                var bl = (m[2] + Self.holeWeight * bbl) / den
                if fallback > 0 {
                    // Mean warp error of what landed here against the plain difference of A and B.
                    let warpError = m[4] / den
                    let plain = (abs(ra - rb) + abs(ga - gb) + abs(ba - bb)) * (1 / 3)
                    // Blending is as good as warping where the warp explains little of the change.
                    let ratio = warpError / (plain + 0.004)
                    let k = min(max(fallback * (ratio - threshold) / max(1 - threshold, 0.05), 0), 1)
                    r += k * (br - r); g += k * (bg - g); bl += k * (bbl - bl)
                }
                out[i] = r
                out[n + i] = g
                out[2 * n + i] = bl
            }
        }
    }
}

