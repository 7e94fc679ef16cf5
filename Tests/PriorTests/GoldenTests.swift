import Foundation
import Graph
import Testing
@testable import Prior

/// The Swift engine against PyTorch's golden vectors (Training/export.py `golden`): every
/// top-level block for the first and last frequency slice, eps, the 5-step guided DDIM walk, the
/// denormalized S and the schedule, for the tiny test model and the shipped default model.
@Suite("Prior golden vectors")
struct GoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var model: String
        var golden: String
        /// Largest error allowed relative to each tensor's max |value|.
        var blockTolerance: Float
        var walkTolerance: Float
        var testDescription: String { URL(fileURLWithPath: model).lastPathComponent }
    }

    static let cases = [
        Case(model: Fixture.tinyModel, golden: Fixture.tinyGolden, blockTolerance: 1e-5, walkTolerance: 5e-4),
        Case(model: Fixture.diffusionModel, golden: Fixture.diffusionGolden, blockTolerance: 1e-5, walkTolerance: 5e-4),
    ]

    @Test("schedule and DDIM timesteps equal PyTorch's", arguments: cases)
    func schedule(_ c: Case) throws {
        let prior = try DiffusionPrior(contentsOf: c.model)
        let g = try TensorFile(path: c.golden)
        let ac = try g.doubles("alphas_cumprod")
        let mine = prior.alphasCumprod
        #expect(mine.count == ac.count)
        let worst = zip(mine, ac).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-12, "alphas_cumprod differs by \(worst)")
        #expect(prior.timesteps(steps: 5) == (try g.ints("ddim.timesteps")))
    }

    @Test("every top-level block and eps match", arguments: cases)
    func blocks(_ c: Case) throws {
        let prior = try DiffusionPrior(contentsOf: c.model)
        let g = try TensorFile(path: c.golden)
        let K = prior.config.K
        var seen: [String] = []
        let eps = prior.epsilon(x: try g.floats("input.noise"), t: try g.ints("input.t")[0], k: try g.ints("input.k"),
                                image: try g.floats("input.image")) { name, values, shape in
            let key = "block.\(name)"
            guard g.has(key) else { return }
            seen.append(name)
            let mine = Fixture.slices(values, sliceSize: shape[1] * shape[2] * shape[3], [0, K - 1])
            let ref = try! g.floats(key)
            #expect(try! g.shape(key) == [2] + shape.dropFirst(), "\(key) shape")
            let err = Fixture.relativeError(mine, ref)
            #expect(err < c.blockTolerance, "\(key): relative error \(err)")
        }
        let expected = g.entries.keys.filter { $0.hasPrefix("block.") }.map { String($0.dropFirst(6)) }
        #expect(Set(seen) == Set(expected), "blocks compared: \(seen.sorted())")
        let err = Fixture.relativeError(eps, try g.floats("output.eps"))
        #expect(err < c.blockTolerance, "output.eps: relative error \(err)")
    }

    @Test("the 5-step guided DDIM walk, x0 and the denormalized S match", arguments: cases)
    func walk(_ c: Case) throws {
        let prior = try DiffusionPrior(contentsOf: c.model)
        let g = try TensorFile(path: c.golden)
        var steps: [[Float]] = []
        let x0 = prior.sampleNormalized(image: try g.floats("input.image"), noise: try g.floats("ddim.noise"), steps: 5,
                                        guidance: 1.5, threads: 2) { steps.append($0) }
        #expect(steps.count == 5)
        for (i, s) in steps.enumerated() {
            let err = Fixture.relativeError(s, try g.floats("ddim.step.\(i)"))
            #expect(err < c.walkTolerance, "ddim.step.\(i): relative error \(err)")
        }
        let e0 = Fixture.relativeError(x0, try g.floats("ddim.x0"))
        #expect(e0 < c.walkTolerance, "ddim.x0: relative error \(e0)")
        let eS = Fixture.relativeError(prior.denormalize(x0), try g.floats("ddim.S"))
        #expect(eS < 2 * c.walkTolerance, "ddim.S: relative error \(eS)")
    }

    @Test("the walk is the same on one and two threads, and without guidance")
    func threadsAgree() throws {
        let prior = try DiffusionPrior(contentsOf: Fixture.tinyModel)
        let g = try TensorFile(path: Fixture.tinyGolden)
        let image = try g.floats("input.image"), noise = try g.floats("ddim.noise")
        for guidance: Float in [1.5, 1] {
            let a = prior.sampleNormalized(image: image, noise: noise, steps: 4, guidance: guidance, threads: 1)
            let b = prior.sampleNormalized(image: image, noise: noise, steps: 4, guidance: guidance, threads: 2)
            #expect(a == b, "guidance \(guidance): 1 and 2 threads differ")
        }
    }
}

/// sample.py's post-processing: the conditioning resize and the image-guided upsampling plus
/// resize_volume, against PyTorch on fixed inputs (Fixtures/make_resample_fixture.py).
@Suite("Prior resampling")
struct ResampleTests {
    @Test("antialiased bilinear and image-guided upsampling match PyTorch", arguments: ["small", "large"])
    func upsampling(_ name: String) throws {
        let g = try TensorFile(path: Fixture.resampleGolden)
        let shape = try g.shape("\(name).image")
        let (H, W) = (shape[1], shape[2])
        let image = try g.floats("\(name).image")
        let cond = Resample.resize(image, planes: 3, inWidth: W, inHeight: H, outWidth: 128, outHeight: 80)
        let ec = Fixture.relativeError(cond, try g.floats("\(name).cond"))
        #expect(ec < 1e-5, "\(name).cond: relative error \(ec)")
        // Two slices of a real sample through the upsampler (it treats every channel alike).
        let out = Resample.upsampleVolume(try g.floats("S"), slices: 2, width: 32, height: 20,
                                          image: RGBImage(width: W, height: H, data: image), threads: 2)
        let e = Fixture.relativeError(out, try g.floats("\(name).S"))
        #expect(e < 1e-4, "\(name).S: relative error \(e)")
    }
}

/// One whole sample.py `predict` (shipped model, 3 guided steps from fixed noise, a 48x30 still)
/// against Swift's: the assembled spectral volume, channel order and gains included.
@Suite("Prior end to end against sample.py")
struct PredictParityTests {
    @Test("predict from fixed noise equals sample.py's S in the SpectralVolume layout")
    func predictMatches() throws {
        let g = try TensorFile(path: Fixture.resampleGolden)
        let prior = try DiffusionPrior(contentsOf: Fixture.diffusionModel)
        let image = RGBImage(width: 48, height: 30, data: try g.floats("predict.image"))
        let data = prior.predictCoefficients(image: image, noise: try g.floats("predict.noise"), steps: 3, guidance: 1.5, threads: 2)
        // Python's S is (K, 4, H, W) = [Re x, Re y, Im x, Im y]; Swift's is real (K, 2, H, W) then imaginary.
        let ref = try g.floats("predict.S"), K = 16, plane = 48 * 30
        var mapped = [Float](repeating: 0, count: ref.count)
        for k in 0..<K {
            for ch in 0..<4 {
                let dst = (ch < 2 ? 0 : 2 * K * plane) + (k * 2 + ch % 2) * plane
                for i in 0..<plane { mapped[dst + i] = ref[(k * 4 + ch) * plane + i] }
            }
        }
        let e = Fixture.relativeError(data, mapped)
        #expect(e < 1e-3, "predict: relative error \(e)")
    }
}
