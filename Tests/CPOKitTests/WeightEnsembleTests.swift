import XCTest
@testable import CPOKit

final class WeightEnsembleTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private let config = GPT2Config(vocabularySize: 257, maxPositions: 16, channels: 8, layers: 1, heads: 2)

    /// Writes a random model; `edit` may change its parameters first.
    private func write(_ name: String, seed: UInt64, config: GPT2Config? = nil, edit: (GPT2) -> Void = { _ in }) throws -> URL {
        let model = try GPT2(config: config ?? self.config, seed: seed)
        edit(model)
        let url = folder.appendingPathComponent(name)
        try CheckpointFolder(url: url).write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: ByteTokenizer())
        return url
    }

    private func bits(_ buffer: FloatBuffer) -> [UInt32] { buffer.toArray().map(\.bitPattern) }

    func testEndsAreTheModelsBitForBit() throws {
        // A −0 where the other model is positive: 1·(−0) + 0·b would give +0.
        let mle = try write("mle", seed: 1) { $0.parameters[0] = -0.0; $0.parameters[1] = 0.5 }
        let cpo = try write("cpo", seed: 2) { $0.parameters[0] = 0.5; $0.parameters[1] = -0.0 }
        let ensemble = try WeightEnsemble(mle: mle, cpo: cpo)
        XCTAssertEqual(bits(try ensemble.model(alpha: 1).parameters), bits(ensemble.mle.parameters))
        XCTAssertEqual(bits(try ensemble.model(alpha: 0).parameters), bits(ensemble.cpo.parameters))
        XCTAssertEqual(try ensemble.model(alpha: 1).parameters[0].sign, .minus)
    }

    func testMixIsTheWeightedSumTensorByTensor() throws {
        let ensemble = try WeightEnsemble(mle: try write("mle", seed: 1), cpo: try write("cpo", seed: 2))
        let alpha = 0.3
        let mixed = try ensemble.model(alpha: alpha)
        let a = ensemble.mle.parameters.toArray(), b = ensemble.cpo.parameters.toArray(), m = mixed.parameters.toArray()
        XCTAssertNotEqual(a, b)
        for i in m.indices {
            XCTAssertEqual(Double(m[i]), alpha * Double(a[i]) + (1 - alpha) * Double(b[i]), accuracy: 1e-6 * (1 + abs(Double(a[i])) + abs(Double(b[i]))))
        }
    }

    func testWrittenEnsembleIsAModelFolder() throws {
        let ensemble = try WeightEnsemble(mle: try write("mle", seed: 1), cpo: try write("cpo", seed: 2))
        let out = folder.appendingPathComponent("out")
        try ensemble.write(alpha: 0.25, to: out)
        XCTAssertTrue(CheckpointFolder(url: out).isComplete)
        let (loaded, tokenizer) = try ModelFolder.load(out)
        XCTAssertTrue(loaded.config.isSame(as: config))
        XCTAssertTrue(tokenizer is ByteTokenizer)
        XCTAssertEqual(bits(loaded.parameters), bits(try ensemble.model(alpha: 0.25).parameters))
    }

    func testDifferentConfigsNameTheField() throws {
        var deeper = config
        deeper.layers = 2
        let mle = try write("mle", seed: 1), cpo = try write("cpo", seed: 2, config: deeper)
        XCTAssertThrowsError(try WeightEnsemble(mle: mle, cpo: cpo)) { error in
            guard case let .configMismatch(field, mleValue, cpoValue, _, _)? = error as? EnsembleError else { return XCTFail("\(error)") }
            XCTAssertEqual([field, mleValue, cpoValue], ["n_layer", "1", "2"])
        }
    }

    /// With equal configs both folders load into one layout, so a tensor of another shape fails the
    /// CPO folder's load, which names its file and the tensor.
    func testDifferentTensorsNameTheTensor() throws {
        let mle = try write("mle", seed: 1), cpo = try write("cpo", seed: 2)
        // Same config, but the CPO file stores one tensor with another shape.
        let model = try GPT2(config: config, seed: 2)
        let tensors = model.layout.specs.map { spec in
            SafetensorsWriter.Tensor(name: spec.name, shape: spec.name == "transformer.ln_f.bias" ? [2, 4] : spec.shape,
                                     values: UnsafeBufferPointer(model.layout.view(spec.name, in: model.parameters)))
        }
        try SafetensorsWriter.write(tensors, to: cpo.appendingPathComponent(CheckpointFolder.modelFile))
        // As a folder made elsewhere, with no manifest whose checksum would refuse the new file first.
        try FileManager.default.removeItem(at: cpo.appendingPathComponent(CheckpointFolder.manifestFile))
        XCTAssertThrowsError(try WeightEnsemble(mle: mle, cpo: cpo)) { error in
            guard case let .shapeMismatch(file, tensor, expected, found)? = error as? SafetensorsError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, cpo.appendingPathComponent(CheckpointFolder.modelFile).path)
            XCTAssertEqual([tensor, "\(expected)", "\(found)"], ["transformer.ln_f.bias", "[8]", "[2, 4]"])
        }
    }

    func testAlphaOutsideTheUnitIntervalSaysWhatIsAllowed() throws {
        let ensemble = try WeightEnsemble(mle: try write("mle", seed: 1), cpo: try write("cpo", seed: 2))
        for alpha in [-0.1, 1.5, .nan] {
            XCTAssertThrowsError(try ensemble.model(alpha: alpha)) { error in
                XCTAssertEqual((error as? OptionError)?.option, "alpha")
                XCTAssertTrue("\(error)".contains("[0, 1]"), "\(error)")
            }
        }
    }
}
