import COpenBLAS
import Dispatch
import Foundation

/// The noise schedule and DDIM sampler of Training/model.py (`alphas_cumprod`, `ddim_timesteps`,
/// `sample`), with classifier-free guidance against an all-zero picture.
enum Diffusion {
    /// (timesteps,) cumulative products of (1 - beta) in float64, as model.py computes them.
    static func alphasCumprod(_ cfg: PriorConfig) -> [Double] {
        let T = cfg.timesteps
        var betas = [Double](repeating: 0, count: T)
        if cfg.schedule == "cosine" {
            let s = 0.008
            func f(_ t: Int) -> Double {
                let c = cos((Double(t) / Double(T) + s) / (1 + s) * Double.pi / 2)
                return c * c
            }
            for i in 0..<T { betas[i] = min(1 - f(i + 1) / f(i), 0.999) }
        } else {
            betas = linspace(1e-4 * 1000 / Double(T), 0.02 * 1000 / Double(T), T)
        }
        var out = [Double](repeating: 0, count: T)
        var p = 1.0
        for i in 0..<T { p *= 1 - betas[i]; out[i] = p }
        return out
    }

    /// numpy.linspace(start, stop, num) bit for bit (i * step + start, the last value = stop).
    static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 1 else { return num == 1 ? [start] : [] }
        let step = (stop - start) / Double(num - 1)
        var y = (0..<num).map { Double($0) * step + start }
        y[num - 1] = stop
        return y
    }

    /// The DDIM walk, high to low: `steps` evenly spaced timesteps from t_max down to 0
    /// (numpy's round-half-to-even, duplicates removed).
    static func timesteps(_ cfg: PriorConfig, steps: Int) -> [Int] {
        let values = linspace(0, Double(cfg.firstTimestep), steps).map { Int($0.rounded(.toNearestOrEven)) }
        return Array(Set(values)).sorted(by: >)
    }

    /// DDIM (eta = 0) from `noise` (K, 4, h, w) with guidance; `image` (3, h f, w f) in 0..1.
    /// Returns the normalized S' (K, 4, h, w); `trace` receives x after each step.
    static func sample(_ net: UNet, image: [Float], steps: Int, guidance: Float, noise: [Float], threads: Int,
                       trace: (([Float]) -> Void)? = nil) -> [Float] {
        let cfg = net.cfg
        let K = cfg.K, h = cfg.gridH, w = cfg.gridW
        let cond = net.conditioning(image), uncond = net.conditioning(nil)
        let ac = alphasCumprod(cfg)
        let ts = timesteps(cfg, steps: steps)
        let k = Array(0..<K)
        let start = Float((1 - ac[ts[0]]).squareRoot())
        var x = noise.map { $0 * start }
        let guided = guidance != 1
        let clip = Float(cfg.x0Clip)
        for (i, t) in ts.enumerated() {
            let xt = Tensor(n: K, c: 4, h: h, w: w, data: x)
            var eps: [Float]
            if guided {
                let pair = evaluatePair(net, xt, t: t, k: k, conds: (cond, uncond), threads: threads)
                eps = pair.0
                for j in eps.indices { eps[j] = pair.1[j] + guidance * (pair.0[j] - pair.1[j]) }
            } else {
                eps = net.forward(xt, t: t, k: k, conditioning: cond, threads: threads).data
            }
            let aT = ac[t]
            let aPrev = i + 1 < ts.count ? ac[ts[i + 1]] : 1.0
            let s1 = Float((1 - aT).squareRoot()), sa = Float(aT.squareRoot())
            let p0 = Float(aPrev.squareRoot()), p1 = Float((1 - aPrev).squareRoot())
            for j in x.indices {
                let x0 = min(max((x[j] - s1 * eps[j]) / sa, -clip), clip)
                x[j] = p0 * x0 + p1 * eps[j]
            }
            trace?(x)
        }
        return x
    }

    /// The conditional and unconditional eps of one step: two independent windows, run side by
    /// side on two threads when allowed (each window's arithmetic is the same either way).
    static func evaluatePair(_ net: UNet, _ x: Tensor, t: Int, k: [Int], conds: ([Float], [Float]),
                             threads: Int) -> ([Float], [Float]) {
        if threads < 2 {
            return (net.forward(x, t: t, k: k, conditioning: conds.0, threads: 1).data,
                    net.forward(x, t: t, k: k, conditioning: conds.1, threads: 1).data)
        }
        let inner = max(1, threads / 2)
        let results = ResultPair()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let e = net.forward(x, t: t, k: k, conditioning: i == 0 ? conds.0 : conds.1, threads: inner).data
            results.set(i, e)
        }
        return results.get()
    }
}

/// Two results written from two threads (each index once), read after both finished.
final class ResultPair: @unchecked Sendable {
    private var values: [[Float]] = [[], []]
    private let lock = NSLock()
    func set(_ i: Int, _ v: [Float]) { lock.lock(); values[i] = v; lock.unlock() }
    func get() -> ([Float], [Float]) { lock.lock(); defer { lock.unlock() }; return (values[0], values[1]) }
}
