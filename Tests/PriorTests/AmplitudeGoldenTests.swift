import Foundation
import Graph
import Testing
@testable import Prior

/// The amplitude prior (the shipped default) against PyTorch's golden vectors (Training/export.py
/// `golden_amplitude`): AlexNet's five taps, every block of the head, the phase synthesis and one
/// whole still -> S at the still's size.
@Suite("Amplitude prior golden vectors")
struct AmplitudeGoldenTests {
    static func load() throws -> (AmplitudePrior, TensorFile) {
        guard case .amplitude(let p) = try MotionPrior(contentsOf: Fixture.defaultModel).engine else {
            throw PriorError(.unsupported, file: Fixture.defaultModel, "the default model is not an amplitude prior")
        }
        return (p, try TensorFile(path: Fixture.defaultGolden))
    }

    @Test("AlexNet's taps and every block of the head match")
    func blocks() throws {
        let (prior, g) = try Self.load()
        let shape = try g.shape("input.image")
        var seen: [String] = []
        let out = prior.network(try g.floats("input.image"), width: shape[3], height: shape[2]) { name, t in
            guard g.has(name) else { return }
            seen.append(name)
            #expect(try! g.shape(name) == [t.n, t.c, t.h, t.w], "\(name) shape")
            let err = Fixture.relativeError(t.data, try! g.floats(name))
            #expect(err < 1e-4, "\(name): relative error \(err)")
        }
        let expected = g.entries.keys.filter { $0.hasPrefix("block.") || $0.hasPrefix("alexnet.") }
        #expect(Set(seen) == Set(expected), "compared: \(seen.sorted())")
        let err = Fixture.relativeError(out.data, try g.floats("block.out"))
        #expect(err < 1e-4, "out: relative error \(err)")
    }

    @Test("the mean over the test views (scales, mirrors) matches amplitude.view_outputs")
    func views() throws {
        let (prior, g) = try Self.load()
        #expect(prior.config.testScales.count > 1 && prior.config.testFlip, "the shipped model uses test views")
        let shape = try g.shape("input.image")
        let out = prior.viewOutputs(try g.floats("input.image"), width: shape[3], height: shape[2], threads: 2)
        #expect(try g.shape("views.out") == [out.c, out.h, out.w])
        let err = Fixture.relativeError(out.data, try g.floats("views.out"))
        #expect(err < 1e-4, "views.out: relative error \(err)")
        let single = Fixture.relativeError(out.data, try g.floats("block.out"))
        #expect(single > 1e-3, "the views change the output (relative difference \(single))")
    }

    @Test("phase synthesis from the golden noise matches")
    func synthesis() throws {
        let (prior, g) = try Self.load()
        let out = try g.floats("block.out"), shape = try g.shape("block.out")
        let S = PhaseField.synthesize(out, noise: try g.floats("synth.noise"), K: prior.config.K, width: shape[3],
                                      height: shape[2], coherence: prior.config.coherence, cap: prior.config.logAmpCap,
                                      reference: prior.config.ampReference)
        let err = Fixture.relativeError(S, try g.floats("synth.S"))
        #expect(err < 1e-4, "synth.S: relative error \(err)")
    }

    @Test("a whole still -> S equals amplitude.predict_still in the SpectralVolume layout")
    func predictMatches() throws {
        let (prior, g) = try Self.load()
        let shape = try g.shape("predict.image")
        let image = RGBImage(width: shape[2], height: shape[1], data: try g.floats("predict.image"))
        let data = prior.predictCoefficients(image: image, noise: try g.floats("predict.noise"), threads: 2)
        let mapped = MotionPrior.volumeLayout(try g.floats("predict.S"), K: prior.config.K, plane: shape[1] * shape[2])
        let err = Fixture.relativeError(data, mapped)
        #expect(err < 1e-3, "predict: relative error \(err)")
    }

    @Test("the same seed gives the same motion on any thread count; another seed other phases, same amplitudes")
    func seeds() throws {
        let prior = try MotionPrior(contentsOf: Fixture.defaultModel)
        var pixels = [Float](repeating: 0, count: 3 * 80 * 50)
        for i in pixels.indices { pixels[i] = Float((i * 37) % 101) / 100 }
        let image = RGBImage(width: 80, height: 50, data: pixels)
        let a = try prior.predict(image: image, seed: 5, threads: 2)
        let b = try prior.predict(image: image, seed: 5, threads: 1)
        let c = try prior.predict(image: image, seed: 6, threads: 2)
        // Compared as Bools: a failing #expect would print every coefficient.
        let same = a.data == b.data, differ = a.data != c.data
        let finite = a.data.allSatisfy(\.isFinite), moving = a.data.contains { $0 != 0 }
        let diff = zip(a.data, b.data).filter { $0 != $1 }.count
        #expect(same, "same seed, 1 vs 2 threads: \(diff) values differ")
        #expect(differ, "different seeds")
        #expect(finite && moving, "finite \(finite), some motion \(moving)")
        #expect(a.source.hasPrefix("prior:gid-prior-default.safetensors seed=5"))
    }
}
