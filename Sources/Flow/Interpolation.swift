import Dispatch
import Graph

/// Video frame interpolation with bidirectional optical flow (for real-video slow motion).
///
/// For a pair (A, B) it measures the flow both ways and the forward-backward consistency of each
/// (Sundaram et al.). A frame at fraction t is made in two steps:
/// 1. Intermediate flow: every pixel of A is splatted to where it is at t (p + t f(p)) carrying
///    its flows to A and to B, and likewise every pixel of B (p + (1 - t) b(p)); splats are
///    weighted by consistency, so an occluded pixel (whose round trip fails) yields to the
///    visible surface that lands on the same place. Where nothing lands, the linear
///    approximation of Jiang et al. (Super SloMo) from the flows at that place fills in.
/// 2. Occlusion-aware blend: A and B are sampled along those flows and mixed with weights
///    (1 - t) and t, each scaled by how well the *other* picture's pixel is matched: where A's
///    pixel has no match in B (being covered), B's sample shows the occluder and is dropped, and
///    the other way round for uncovered background.
/// Holds the two pictures, their flows and maps: streaming a clip keeps two frames plus flow.
public final class FrameInterpolator {
    /// The flow settings.
    public let parameters: FlowParameters
    private let flow: OpticalFlow
    private var a: RGBImage?
    private var b: RGBImage?
    private var grayB: GrayImage?
    private var forward = FlowField(width: 0, height: 0)
    private var backward = FlowField(width: 0, height: 0)
    private var confidenceA: [Float] = []
    private var confidenceB: [Float] = []

    /// An interpolator using the given flow preset.
    public init(preset: FlowPreset = .medium) {
        parameters = FlowParameters(preset)
        flow = OpticalFlow(preset: preset)
    }

    /// Width and height of the current pair (0 before the first).
    public var size: (width: Int, height: Int) { (b?.width ?? 0, b?.height ?? 0) }

    /// Makes (previous B, `next`) the current pair; the first call only stores `next`.
    /// Returns false while there is no pair yet.
    @discardableResult
    public func advance(to next: RGBImage) throws -> Bool {
        let grayNext = GrayImage(next)
        defer { b = next; grayB = grayNext }
        guard let previous = b, let grayPrevious = grayB else { return false }
        guard previous.width == next.width, previous.height == next.height else {
            throw GIDError.input("frame interpolation: frames are \(previous.width)x\(previous.height) and \(next.width)x\(next.height); they must be the same size")
        }
        try setPair(previous, grayPrevious, next, grayNext)
        return true
    }

    /// Sets the pair (A, B) directly.
    public func prepare(from first: RGBImage, to second: RGBImage) throws {
        b = nil
        grayB = nil
        try advance(to: first)
        try advance(to: second)
    }

    /// The flow A -> B and B -> A of the current pair.
    public var flows: (forward: FlowField, backward: FlowField) { (forward, backward) }

    private func setPair(_ first: RGBImage, _ g0: GrayImage, _ second: RGBImage, _ g1: GrayImage) throws {
        a = first
        forward = try flow.compute(from: g0, to: g1)
        backward = try flow.compute(from: g1, to: g0)
        confidenceA = try FlowConsistency.confidence(forward: forward, backward: backward)
        confidenceB = try FlowConsistency.confidence(forward: backward, backward: forward)
    }

    /// The picture at fraction `t` (0 = A, 1 = B) of the current pair.
    public func frame(at t: Float) throws -> RGBImage {
        guard let a, let b, forward.width == a.width else {
            throw GIDError.internal("frame interpolation: no pair prepared")
        }
        if t <= 0 { return a }
        if t >= 1 { return b }
        let w = a.width, h = a.height, n = w * h
        // Intermediate flows from position q at time t to A (to0) and to B (to1), planar u then v.
        var to0 = [Float](repeating: 0, count: 2 * n), to1 = to0
        var weight = [Float](repeating: 0, count: n)
        splat(t: t, width: w, height: h, to0: &to0, to1: &to1, weight: &weight)
        var out = [Float](repeating: 0, count: 3 * n)
        let sources = (a.data, b.data, confidenceA, confidenceB, forward.data, backward.data)
        out.withUnsafeMutableBufferPointer { o in
            let op = UncheckedPointer(o.baseAddress!)
            to0.withUnsafeBufferPointer { p0 in to1.withUnsafeBufferPointer { p1 in weight.withUnsafeBufferPointer { wt in
                sources.0.withUnsafeBufferPointer { ia in sources.1.withUnsafeBufferPointer { ib in
                sources.2.withUnsafeBufferPointer { ca in sources.3.withUnsafeBufferPointer { cb in
                sources.4.withUnsafeBufferPointer { fw in sources.5.withUnsafeBufferPointer { bw in
                    let k = BlendKernel(width: w, height: h, t: t, to0: p0.baseAddress!, to1: p1.baseAddress!,
                                        weight: wt.baseAddress!, a: ia.baseAddress!, b: ib.baseAddress!,
                                        confidenceA: ca.baseAddress!, confidenceB: cb.baseAddress!,
                                        forward: fw.baseAddress!, backward: bw.baseAddress!)
                    parallelStripes(h, stripes: denseStripes) { y0, y1 in k.rows(y0, y1, out: op.pointer) }
                }}}}}}
            }}}
        }
        return RGBImage(width: w, height: h, data: out)
    }

    /// Forward-splats both pictures' flows to time t (bilinear footprints, consistency weights).
    private func splat(t: Float, width w: Int, height h: Int, to0: inout [Float], to1: inout [Float], weight: inout [Float]) {
        let n = w * h
        to0.withUnsafeMutableBufferPointer { o0 in to1.withUnsafeMutableBufferPointer { o1 in weight.withUnsafeMutableBufferPointer { wt in
            let p0 = o0.baseAddress!, p1 = o1.baseAddress!, pw = wt.baseAddress!
            // A pixel p moving by flow d sits at p + s d at time t; from there A is at toA * d
            // and B at toB * d. Weight: temporal closeness times squared consistency.
            func pass(_ flow: UnsafePointer<Float>, _ confidence: UnsafePointer<Float>, along s: Float, temporal: Float,
                      toA: Float, toB: Float) {
                @inline(__always) func put(_ xx: Int, _ yy: Int, _ f: Float, _ base: Float, _ du: Float, _ dv: Float) {
                    guard xx >= 0, yy >= 0, xx < w, yy < h, f > 0 else { return }
                    let j = yy * w + xx, k = base * f
                    pw[j] += k
                    p0[j] += k * toA * du
                    p0[n + j] += k * toA * dv
                    p1[j] += k * toB * du
                    p1[n + j] += k * toB * dv
                }
                for y in 0..<h {
                    for x in 0..<w {
                        let i = y * w + x
                        let du = flow[i], dv = flow[n + i]
                        let px = Float(x) + s * du, py = Float(y) + s * dv
                        guard px > -1, py > -1, px < Float(w), py < Float(h) else { continue }
                        let c = confidence[i]
                        let base = temporal * (c * c + 0.01)
                        let x0 = Int(px.rounded(.down)), y0 = Int(py.rounded(.down))
                        let fx = px - Float(x0), fy = py - Float(y0)
                        put(x0, y0, (1 - fx) * (1 - fy), base, du, dv)
                        put(x0 + 1, y0, fx * (1 - fy), base, du, dv)
                        put(x0, y0 + 1, (1 - fx) * fy, base, du, dv)
                        put(x0 + 1, y0 + 1, fx * fy, base, du, dv)
                    }
                }
            }
            forward.data.withUnsafeBufferPointer { f in confidenceA.withUnsafeBufferPointer { c in
                pass(f.baseAddress!, c.baseAddress!, along: t, temporal: 1 - t, toA: -t, toB: 1 - t)
            }}
            backward.data.withUnsafeBufferPointer { f in confidenceB.withUnsafeBufferPointer { c in
                pass(f.baseAddress!, c.baseAddress!, along: 1 - t, temporal: t, toA: t, toB: -(1 - t))
            }}
        }}}
    }
}

/// A pointer that may cross into the parallel stripes (each stripe writes its own rows).
private struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ p: UnsafeMutablePointer<Float>) { pointer = p }
}

/// Step 2 of `FrameInterpolator.frame(at:)` over a range of rows.
private struct BlendKernel: @unchecked Sendable {
    let width: Int, height: Int, t: Float
    let to0: UnsafePointer<Float>, to1: UnsafePointer<Float>, weight: UnsafePointer<Float>
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let confidenceA: UnsafePointer<Float>, confidenceB: UnsafePointer<Float>
    let forward: UnsafePointer<Float>, backward: UnsafePointer<Float>

    /// Weight below which a splatted flow gives way to the linear approximation.
    static let fillWeight: Float = 0.02
    /// Floor of the visibility weights, so that a pixel unmatched both ways still blends.
    static let floor: Float = 0.05

    func rows(_ y0: Int, _ y1: Int, out: UnsafeMutablePointer<Float>) {
        let w = width, h = height, n = w * h
        let s = 1 - t
        for y in y0..<y1 {
            for x in 0..<w {
                let i = y * w + x
                // Super SloMo's approximation from the flows at q, mixed in where few splats land.
                let fu = forward[i], fv = forward[n + i], bu = backward[i], bv = backward[n + i]
                let approx0u = -s * t * fu + t * t * bu, approx0v = -s * t * fv + t * t * bv
                let approx1u = s * s * fu - s * t * bu, approx1v = s * s * fv - s * t * bv
                let wt = weight[i], norm = 1 / (wt + Self.fillWeight)
                let u0 = (to0[i] + Self.fillWeight * approx0u) * norm, v0 = (to0[n + i] + Self.fillWeight * approx0v) * norm
                let u1 = (to1[i] + Self.fillWeight * approx1u) * norm, v1 = (to1[n + i] + Self.fillWeight * approx1v) * norm
                let x0 = Float(x) + u0, yA = Float(y) + v0, x1 = Float(x) + u1, yB = Float(y) + v1
                // B is trusted where A's pixel is matched in B, and A where B's pixel is matched in A.
                let wA = s * (sample(confidenceB, w, h, x1, yB) + Self.floor)
                let wB = t * (sample(confidenceA, w, h, x0, yA) + Self.floor)
                let norm2 = 1 / (wA + wB)
                for c in 0..<3 {
                    let va = sample(a + c * n, w, h, x0, yA), vb = sample(b + c * n, w, h, x1, yB)
                    out[c * n + i] = (wA * va + wB * vb) * norm2
                }
            }
        }
    }
}

/// Bilinear sample of a (h, w) plane at (x, y), coordinates clamped to the picture.
@inline(__always)
private func sample(_ p: UnsafePointer<Float>, _ w: Int, _ h: Int, _ x: Float, _ y: Float) -> Float {
    let cx = min(max(x, 0), Float(w - 1)), cy = min(max(y, 0), Float(h - 1))
    let ix = min(Int(cx), max(w - 2, 0)), iy = min(Int(cy), max(h - 2, 0))
    let ax = cx - Float(ix), ay = cy - Float(iy)
    let ix1 = min(ix + 1, w - 1), iy1 = min(iy + 1, h - 1)
    let r0 = p + iy * w, r1 = p + iy1 * w
    let top = r0[ix] + ax * (r0[ix1] - r0[ix])
    let bottom = r1[ix] + ax * (r1[ix1] - r1[ix])
    return top + ay * (bottom - top)
}
