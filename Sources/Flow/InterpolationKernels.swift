import Foundation
import Graph

// The per-pixel kernels of `FrameInterpolator` (Interpolation.swift) and the buffers they share:
// the importance pass (once per pair), the two splats and the gather (once per made frame).

/// Buffers of `FrameInterpolator`, allocated for the largest picture seen and reused.
final class InterpolationBuffers: @unchecked Sendable {
    private(set) var count = 0
    private var capacity = 0
    /// Per-pixel importance and warp error of A's and B's pixels.
    private(set) var z0 = HugePages.allocate(Float.self, capacity: 1)
    private(set) var z1 = HugePages.allocate(Float.self, capacity: 1)
    private(set) var e0 = HugePages.allocate(Float.self, capacity: 1)
    private(set) var e1 = HugePages.allocate(Float.self, capacity: 1)
    /// A's and B's pixels' squared round-trip miss |F(p) + G(p + F(p))|^2 (pixels^2), set once
    /// per pair; the importance pass turns it into the reach (`FrameInterpolator.reach`).
    private(set) var miss0 = HugePages.allocate(Float.self, capacity: 1)
    private(set) var miss1 = HugePages.allocate(Float.self, capacity: 1)
    /// Splat accumulators (lanes: w r, w g, w b, w, w * warp error, w * reach, w * bx, w * by,
    /// with bx, by the bilinear footprint's blur fx (1 - fx), fy (1 - fy)); all zero between
    /// frames.
    private(set) var acc0 = HugePages.allocate(SIMD8<Float>.self, capacity: 1)
    private(set) var acc1 = HugePages.allocate(SIMD8<Float>.self, capacity: 1)
    /// The made picture before sharpening (3 planes) and its per-pixel sharpening gains along x
    /// and y (2 planes), when `FrameInterpolator.sharpening` is on.
    private(set) var unsharp = HugePages.allocate(Float.self, capacity: 1)
    private(set) var gains = HugePages.allocate(Float.self, capacity: 1)
    /// A's and B's splat vectors z (r, g, b, 1, warp error, reach), set once per pair with the
    /// importance (the splats then load one vector per pixel instead of six numbers).
    private(set) var src0 = HugePages.allocate(SIMD8<Float>.self, capacity: 1)
    private(set) var src1 = HugePages.allocate(SIMD8<Float>.self, capacity: 1)
    /// The pair's flows A -> B and B -> A at the pictures' size (x plane, then y plane), upsampled
    /// from the measured ones into the same memory every pair.
    private(set) var flow0 = HugePages.allocate(Float.self, capacity: 1)
    private(set) var flow1 = HugePages.allocate(Float.self, capacity: 1)

    func reserve(_ n: Int) {
        count = n
        guard n > capacity else { return }
        for p in [z0, z1, e0, e1, miss0, miss1, unsharp, gains, flow0, flow1] { HugePages.deallocate(p) }
        for p in [acc0, acc1, src0, src1] { HugePages.deallocate(p) }
        unsharp = HugePages.allocate(capacity: 3 * n); gains = HugePages.allocate(capacity: 2 * n)
        z0 = HugePages.allocate(capacity: n); z1 = HugePages.allocate(capacity: n)
        e0 = HugePages.allocate(capacity: n); e1 = HugePages.allocate(capacity: n)
        miss0 = HugePages.allocate(capacity: n); miss1 = HugePages.allocate(capacity: n)
        acc0 = HugePages.allocate(capacity: n); acc1 = HugePages.allocate(capacity: n)
        src0 = HugePages.allocate(capacity: n); src1 = HugePages.allocate(capacity: n)
        flow0 = HugePages.allocate(capacity: 2 * n); flow1 = HugePages.allocate(capacity: 2 * n)
        // Zero once: from then on the gather clears what the splats wrote.
        acc0.initialize(repeating: .zero, count: n); acc1.initialize(repeating: .zero, count: n)
        capacity = n
    }
    deinit {
        for p in [z0, z1, e0, e1, miss0, miss1, unsharp, gains, flow0, flow1] { HugePages.deallocate(p) }
        for p in [acc0, acc1, src0, src1] { HugePages.deallocate(p) }
    }
}

/// Vector helpers of the kernels below.
enum InterpolationMath {
    /// floor for 0 <= v < 2^23: round to nearest by the 2^23 trick, then step down where it went up.
    @inline(__always)
    static func floor(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let magic = SIMD8<Float>(repeating: 8388608)
        let r = (v + magic) - magic
        return r.replacing(with: r - 1, where: r .> v)
    }

    typealias Matrix8 = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                         SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// The 8x8 transpose (vector k of the result holds lane k of every input vector). Seen as 64
    /// numbers, taking all even-placed ones, then the odd-placed, rotates each index's six bits
    /// right by one; three such rounds swap row and column bits.
    @inline(__always)
    static func transposed(_ m: Matrix8) -> Matrix8 {
        @inline(__always) func even(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { SIMD8(lowHalf: a.evenHalf, highHalf: b.evenHalf) }
        @inline(__always) func odd(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { SIMD8(lowHalf: a.oddHalf, highHalf: b.oddHalf) }
        @inline(__always) func round(_ m: Matrix8) -> Matrix8 {
            (even(m.0, m.1), even(m.2, m.3), even(m.4, m.5), even(m.6, m.7), odd(m.0, m.1), odd(m.2, m.3), odd(m.4, m.5), odd(m.6, m.7))
        }
        return round(round(round(m)))
    }

    /// Whole floats in 0..<2^23 as integers, by the 2^23 trick (the generic SIMD conversion is a
    /// slow per-lane call).
    @inline(__always)
    static func integers(_ v: SIMD8<Float>) -> SIMD8<Int32> {
        let magic = SIMD8<Float>(repeating: 8388608)
        return unsafeBitCast(v + magic, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    }
}

/// Per pair: importance z = exp(-beta e) and warp error e = mean |A(p) - B(p + F(p))| (and for
/// B), and from them and the reach (|F|^2 / (1 + miss^2 / c^2), `FrameInterpolator.reach`) the
/// splat vectors of both pictures.
struct ImportanceKernel: @unchecked Sendable {
    let width: Int, height: Int, beta: Float
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let forward: UnsafePointer<Float>, backward: UnsafePointer<Float>
    let z0: UnsafeMutablePointer<Float>, z1: UnsafeMutablePointer<Float>
    let e0: UnsafeMutablePointer<Float>, e1: UnsafeMutablePointer<Float>
    /// Squared round-trip misses, and `FrameInterpolator.fallbackConsistency`.
    let miss0: UnsafePointer<Float>, miss1: UnsafePointer<Float>
    let consistency: Float
    let src0: UnsafeMutablePointer<SIMD8<Float>>, src1: UnsafeMutablePointer<SIMD8<Float>>

    func rows(_ y0: Int, _ y1: Int) {
        pass(y0, y1, a, b, forward, z0, e0, miss0, src0)
        pass(y0, y1, b, a, backward, z1, e1, miss1, src1)
    }

    private func pass(_ y0: Int, _ y1: Int, _ src: UnsafePointer<Float>, _ dst: UnsafePointer<Float>,
                      _ f: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ e: UnsafeMutablePointer<Float>,
                      _ miss: UnsafePointer<Float>, _ vectors: UnsafeMutablePointer<SIMD8<Float>>) {
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
            pack(y * w, y * w + w, src, f, z, e, miss, vectors)  // while the row is in cache
        }
    }

    /// Splat vectors z (r, g, b, 1, e, reach) of pixels start..<end: eight pixels' quantities
    /// worked out a lane each, then turned into eight pixel vectors by a transpose (the scalar
    /// loop, with its per-pixel division and lane inserts, was a third of the pass).
    private func pack(_ start: Int, _ end: Int, _ src: UnsafePointer<Float>, _ f: UnsafePointer<Float>,
                      _ z: UnsafeMutablePointer<Float>, _ e: UnsafeMutablePointer<Float>,
                      _ miss: UnsafePointer<Float>, _ vectors: UnsafeMutablePointer<SIMD8<Float>>) {
        let n = width * height, c2 = consistency * consistency
        var i = start
        while i + 8 <= end {
            let zi = load8(z + i), fx = load8(f + i), fy = load8(f + n + i)
            let length2 = fx * fx + fy * fy
            let reach = consistency > 0 ? length2 / (1 + load8(miss + i) / c2) : length2
            let t = InterpolationMath.transposed((zi * load8(src + i), zi * load8(src + n + i), zi * load8(src + 2 * n + i), zi,
                                                  zi * load8(e + i), zi * reach, .zero, .zero))
            vectors[i] = t.0; vectors[i + 1] = t.1; vectors[i + 2] = t.2; vectors[i + 3] = t.3
            vectors[i + 4] = t.4; vectors[i + 5] = t.5; vectors[i + 6] = t.6; vectors[i + 7] = t.7
            i += 8
        }
        while i < end {
            let zi = z[i], fx = f[i], fy = f[n + i]
            let reach = FrameInterpolator.reach(lengthSquared: fx * fx + fy * fy, missSquared: miss[i], consistency: consistency)
            vectors[i] = SIMD8<Float>(zi * src[i], zi * src[n + i], zi * src[2 * n + i], zi, zi * e[i], zi * reach, 0, 0)
            i += 1
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
        let fx = Self.clamp(InterpolationMath.floor(cx), 0, Float(w - 2)), fy = Self.clamp(InterpolationMath.floor(cy), 0, Float(h - 2))
        let ax = cx - fx, ay = cy - fy
        let j = InterpolationMath.integers(fy) &* Int32(w) &+ InterpolationMath.integers(fx)
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

/// Forward splat of one picture's source vectors (`ImportanceKernel`) along `along` times its flow
/// into an accumulator, which must be all zero (as allocated, and as `GatherKernel` leaves it).
///
/// Lanes 6 and 7 of what a pixel adds carry its footprint's blur z fx (1 - fx), z fy (1 - fy):
/// a bilinear splat at fraction f along an axis keeps only |1 - 2f| of the finest detail (none at
/// f = 0.5), and `SharpenKernel` gives back what the accumulated blur says was lost.
struct SplatPass: @unchecked Sendable {
    let width: Int, height: Int
    let source: UnsafePointer<SIMD8<Float>>, flow: UnsafePointer<Float>, along: Float
    /// The source pixels' importance z (lane 3 of `source`), for the blur lanes eight at a time.
    let importance: UnsafePointer<Float>
    let into: UnsafeMutablePointer<SIMD8<Float>>

    func run() {
        let w = width, h = height, n = w * h, s = along
        let lastX = Float(w - 1), lastY = Float(h - 1)
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        for y in 0..<h {
            var x = 0
            while x + 8 <= w {
                let i = y * w + x
                let px = SIMD8<Float>(repeating: Float(x)) + lanes + s * load8(flow + i)
                let py = SIMD8<Float>(repeating: Float(y)) + s * load8(flow + n + i)
                if all((px .>= 0) .& (py .>= 0) .& (px .< lastX) .& (py .< lastY)) {
                    inside8(i, px, py)
                } else {
                    for l in 0..<8 { pixel(x + l, y) }
                }
                x += 8
            }
            while x < w {
                pixel(x, y)
                x += 1
            }
        }
    }

    /// Eight pixels whose four corners are all inside (nearly all of them): the coordinates are
    /// worked out eight at a time, and each pixel's right-hand corners are carried in registers
    /// to the next pixel, which usually lands one to the right (20-30% less time than pixel by
    /// pixel in isolation; sums are grouped differently, a rounding apart).
    @inline(__always)
    private func inside8(_ i: Int, _ px: SIMD8<Float>, _ py: SIMD8<Float>) {
        let w = width
        let x0 = InterpolationMath.floor(px), y0 = InterpolationMath.floor(py)
        let fx = px - x0, fy = py - y0
        let j = InterpolationMath.integers(y0) &* Int32(w) &+ InterpolationMath.integers(x0)
        let w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
        let z = load8(importance + i), blurX = z * (fx * (1 - fx)), blurY = z * (fy * (1 - fy))
        var carried = Int(j[0]), top = SIMD8<Float>.zero, bottom = top
        for l in 0..<8 {
            var v = source[i + l]
            v[6] = blurX[l]
            v[7] = blurY[l]
            let k = Int(j[l])
            var t0 = w00[l] * v, b0 = w10[l] * v
            if k == carried {
                t0 += top; b0 += bottom
            } else {
                into[carried] += top; into[carried &+ w] += bottom
            }
            into[k] += t0
            into[k &+ w] += b0
            carried = k &+ 1
            top = w01[l] * v; bottom = w11[l] * v
        }
        into[carried] += top
        into[carried &+ w] += bottom
    }

    /// One pixel, any corner possibly outside the picture.
    private func pixel(_ x: Int, _ y: Int) {
        let w = width, h = height, n = w * h, i = y * w + x
        let px = Float(x) + along * flow[i], py = Float(y) + along * flow[n + i]
        guard px > -1, py > -1, px < Float(w), py < Float(h) else { return }
        var v = source[i]
        let x0 = Int(px.rounded(.down)), y0 = Int(py.rounded(.down))
        let fx = px - Float(x0), fy = py - Float(y0)
        v[6] = importance[i] * (fx * (1 - fx))
        v[7] = importance[i] * (fy * (1 - fy))
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

/// Per output pixel: normalizes and mixes the two splats, falls back toward the blend, and clears
/// the accumulators it read for the next frame's splats. With `gains` set it also writes each
/// pixel's sharpening gains along x and y for `SharpenKernel`: `sharpening` times the splats'
/// mean footprint blur, times the share of the warp in the pixel (the blend is not resampled).
struct GatherKernel: @unchecked Sendable {
    let width: Int, height: Int, t: Float, fallback: Float, threshold: Float, fallbackMotion: Float
    let a: UnsafePointer<Float>, b: UnsafePointer<Float>
    let acc0: UnsafeMutablePointer<SIMD8<Float>>, acc1: UnsafeMutablePointer<SIMD8<Float>>
    let out: UnsafeMutablePointer<Float>
    var gains: UnsafeMutablePointer<Float>? = nil
    var sharpening: Float = 0

    /// Weight of the plain blend mixed into every pixel: fills holes, negligible elsewhere.
    static let holeWeight: Float = 1e-3

    func rows(_ y0: Int, _ y1: Int) {
        let w = width
        for y in y0..<y1 {
            var x = 0
            while x + 8 <= w {
                pixels8(y * w + x)
                x += 8
            }
            while x < w {
                pixels1(y * w + x)
                x += 1
            }
        }
    }

    /// The same maths as `pixels1` for pixels i..<i+8, eight lanes at a time: the accumulators'
    /// lanes are moved into one vector per quantity (the gather was 40% slower pixel by pixel).
    @inline(__always)
    private func pixels8(_ i: Int) {
        let n = width * height, s = 1 - t, hole = Self.holeWeight
        var c0 = SIMD8<Float>(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0
        for l in 0..<8 {
            let m = s * acc0[i + l] + t * acc1[i + l]
            c0[l] = m[0]; c1[l] = m[1]; c2[l] = m[2]; c3[l] = m[3]; c4[l] = m[4]; c5[l] = m[5]; c6[l] = m[6]; c7[l] = m[7]
            // The lines are in cache now: clearing them here spares the splats a pass over memory.
            acc0[i + l] = .zero
            acc1[i + l] = .zero
        }
        let ra = load8(a + i), ga = load8(a + n + i), ba = load8(a + 2 * n + i)
        let rb = load8(b + i), gb = load8(b + n + i), bb = load8(b + 2 * n + i)
        let br = s * ra + t * rb, bg = s * ga + t * gb, bbl = s * ba + t * bb
        let den = c3 + hole
        var r = (c0 + hole * br) / den
        var g = (c1 + hole * bg) / den
        var bl = (c2 + hole * bbl) / den
        var k = SIMD8<Float>.zero
        if fallback > 0 {
            let warpError = c4 / den
            let plain = (Self.abs8(ra - rb) + Self.abs8(ga - gb) + Self.abs8(ba - bb)) * (1 / 3)
            let ratio = warpError / (plain + 0.004)
            k = fallback * (ratio - threshold) / max(1 - threshold, 0.05)
            k.replace(with: 0, where: k .< 0)
            k.replace(with: 1, where: k .> 1)
            if fallbackMotion > 0 { k /= 1 + c5 / (den * fallbackMotion * fallbackMotion) }
            r += k * (br - r); g += k * (bg - g); bl += k * (bbl - bl)
        }
        store8(r, out + i)
        store8(g, out + n + i)
        store8(bl, out + 2 * n + i)
        if let gains {
            let share = sharpening * (1 - k) / den
            store8(share * c6, gains + i)
            store8(share * c7, gains + n + i)
        }
    }

    @inline(__always)
    private static func abs8(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: -v, where: v .< 0) }

    private func pixels1(_ i: Int) {
        let n = width * height, s = 1 - t
        let m = s * acc0[i] + t * acc1[i]
        acc0[i] = .zero
        acc1[i] = .zero
        let ra = a[i], ga = a[n + i], ba = a[2 * n + i], rb = b[i], gb = b[n + i], bb = b[2 * n + i]
        let br = s * ra + t * rb, bg = s * ga + t * gb, bbl = s * ba + t * bb
        let den = m[3] + Self.holeWeight
        var r = (m[0] + Self.holeWeight * br) / den
        var g = (m[1] + Self.holeWeight * bg) / den
        var bl = (m[2] + Self.holeWeight * bbl) / den
        var k: Float = 0
        if fallback > 0 {
            // Mean warp error of what landed here against the plain difference of A and B.
            let warpError = m[4] / den
            let plain = (abs(ra - rb) + abs(ga - gb) + abs(ba - bb)) * (1 / 3)
            // Blending is as good as warping where the warp explains little of the change.
            let ratio = warpError / (plain + 0.004)
            k = min(max(fallback * (ratio - threshold) / max(1 - threshold, 0.05), 0), 1)
            // A blend of two places far apart is a double image, no hedge: the share
            // shrinks with the reach (squared motion length, less where the flows'
            // round trip misses) of what landed here.
            if fallbackMotion > 0 { k /= 1 + m[5] / (den * fallbackMotion * fallbackMotion) }
            r += k * (br - r); g += k * (bg - g); bl += k * (bbl - bl)
        }
        out[i] = r
        out[n + i] = g
        out[2 * n + i] = bl
        if let gains {
            let share = sharpening * (1 - k) / den
            gains[i] = share * m[6]
            gains[n + i] = share * m[7]
        }
    }
}

/// Per output pixel, after the gather: gives back the detail the bilinear splats blurred away,
/// out = u + gx / 2 (2u - left - right) + gy / 2 (2u - up - down) with the gather's gains.
///
/// Why: a bilinear footprint at fraction f multiplies detail of frequency w by about
/// 1 - f (1 - f)(1 - cos w); this three-tap sharpening by f (1 - f) / 2 multiplies it by
/// 1 + f (1 - f)(1 - cos w), which undoes it to first order. On the six clips of
/// Benchmarks/slowmo: PSNR +0.04 / +0.03 dB (x2 / x4), LPIPS 0.0315 -> 0.0294 and 0.0381 ->
/// 0.0359 (hollyhock +0.21 dB, LPIPS -16%); twice as strong is sharper still (LPIPS 0.0278 /
/// 0.0345) for the same PSNR. Edges replicate the border pixel.
struct SharpenKernel: @unchecked Sendable {
    let width: Int, height: Int
    let unsharp: UnsafePointer<Float>, gains: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>

    func rows(_ y0: Int, _ y1: Int) {
        let w = width, h = height, n = w * h
        for c in 0..<3 {
            let u = unsharp + c * n, o = out + c * n
            for y in y0..<y1 {
                let row = y * w
                let up = (y > 0 ? row - w : row) - row, down = (y + 1 < h ? row + w : row) - row
                var x = 0
                if w >= 10 {
                    pixel(u, o, row, 0, up, down)
                    x = 1
                    while x + 8 < w {
                        let i = row + x
                        let v = load8(u + i)
                        let across = 2 * v - load8(u + i - 1) - load8(u + i + 1)
                        let along = 2 * v - load8(u + i + up) - load8(u + i + down)
                        store8(v + 0.5 * (load8(gains + i) * across + load8(gains + n + i) * along), o + i)
                        x += 8
                    }
                }
                while x < w {
                    pixel(u, o, row, x, up, down)
                    x += 1
                }
            }
        }
    }

    @inline(__always)
    private func pixel(_ u: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ row: Int, _ x: Int, _ up: Int, _ down: Int) {
        let i = row + x, n = width * height
        let left = x > 0 ? i - 1 : i, right = x + 1 < width ? i + 1 : i
        let v = u[i]
        o[i] = v + 0.5 * (gains[i] * (2 * v - u[left] - u[right]) + gains[n + i] * (2 * v - u[i + up] - u[i + down]))
    }
}
