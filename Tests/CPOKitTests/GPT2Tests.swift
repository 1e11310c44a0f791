import Foundation
import XCTest
@testable import CPOKit

/// The PyTorch reference vectors in Fixtures/gpt2-tiny.
enum GPT2Fixture {
    struct Batch: Decodable {
        struct AdamWSettings: Decodable {
            let lr: Double, beta1: Double, beta2: Double, eps: Double
            let weight_decay: Double
        }
        let tokens: [[Int32]]
        let targets: [[Int32]]
        let adamw: AdamWSettings
    }

    static var folder: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("gpt2-tiny") }
    static func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func batch() throws -> Batch { try JSONDecoder().decode(Batch.self, from: Data(contentsOf: file("batch.json"))) }

    static func model() throws -> GPT2 {
        try GPT2(config: GPT2Config.load(from: file("config.json")), checkpoint: SafetensorsReader(url: file("model.safetensors")))
    }

    /// Runs the fixture batch forward.
    static func forward(_ model: GPT2) throws {
        let batch = try batch()
        try model.forward(tokens: batch.tokens.flatMap { $0 }, targets: batch.targets.flatMap { $0 },
                          batchSize: batch.tokens.count, length: batch.tokens[0].count)
    }
}

/// Largest |a − b| over two equally long sequences.
func maxAbsoluteDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float where A.Element == Float, B.Element == Float {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

final class GPT2Tests: XCTestCase {
    func testForwardAndBackwardMatchPyTorch() throws {
        let model = try GPT2Fixture.model()
        let expected = try SafetensorsReader(url: GPT2Fixture.file("expected.safetensors"))
        try GPT2Fixture.forward(model)

        XCTAssertLessThan(maxAbsoluteDifference(model.logits(at: Array(0 ..< model.lastPassPositions)), try expected.floats("logits").values), 1e-4)
        XCTAssertLessThan(maxAbsoluteDifference(model.nll, try expected.floats("nll").values), 1e-5)
        XCTAssertEqual(model.meanCrossEntropy, try expected.floats("loss").values[0], accuracy: 1e-5)

        model.backwardMeanCrossEntropy()
        for spec in model.layout.specs {
            let reference = try expected.floats("grad." + spec.name).values
            let difference = maxAbsoluteDifference(model.layout.view(spec.name, in: model.gradients), reference)
            XCTAssertLessThan(difference, 1e-4, "gradient of \(spec.name)")
            // The gradients are small, so also hold them to their own scale.
            XCTAssertLessThan(difference, 1e-3 * reference.map(abs).max()!, "gradient of \(spec.name), relative to its largest entry")
        }
    }

    func testBackwardAccumulatesIntoGradients() throws {
        let model = try GPT2Fixture.model()
        try GPT2Fixture.forward(model)
        model.backwardMeanCrossEntropy()
        let once = model.gradients.toArray()
        try GPT2Fixture.forward(model)
        model.backwardMeanCrossEntropy()
        XCTAssertLessThan(maxAbsoluteDifference(model.gradients.toArray(), once.map { 2 * $0 }), 1e-6)
        XCTAssertGreaterThan(once.map(abs).max()!, 1e-3)
    }

    func testGradientsMatchFiniteDifferences() throws {
        var config = try GPT2Config.preset("tiny", vocabularySize: 23)
        config.initializerRange = 0.1
        let model = try GPT2(config: config, seed: 7)
        try FiniteDifferences.assertGradientsMatch(model, batchSize: 2, length: 5, probes: [
            ("transformer.wte.weight", 3 * 64 + 5), ("transformer.wpe.weight", 2 * 64 + 1),
            ("transformer.h.0.ln_1.weight", 9), ("transformer.h.0.attn.c_attn.weight", 17 * 192 + 70),
            ("transformer.h.0.attn.c_attn.bias", 140), ("transformer.h.1.attn.c_proj.weight", 40 * 64 + 3),
            ("transformer.h.1.mlp.c_fc.weight", 11 * 256 + 200), ("transformer.h.1.mlp.c_proj.bias", 30),
            ("transformer.ln_f.bias", 12),
        ])
    }

    /// Every kernel of the project's own splits its work so that each output has one thread and one
    /// order of arithmetic; sgemm does not (`SummationOrder`), so the threads change only last bits.
    func testOneAndTwoThreadsAgreeToSummationOrder() throws {
        let config = try GPT2Config.preset("tiny", vocabularySize: 97)
        let (batchSize, length) = (4, 32)
        let tokens: [Int32] = (0..<batchSize * length).map { Int32($0 * 31 % 97) }
        let targets: [Int32] = (0..<batchSize * length).map { $0 % 7 == 0 ? -1 : Int32($0 * 13 % 97) }
        let original = Parallel.threadCount
        defer { Parallel.setThreadCount(original) }
        func run(threads: Int) throws -> (logits: [Float], gradients: [Float]) {
            Parallel.setThreadCount(threads)
            let model = try GPT2(config: config, seed: 3)
            try model.forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            let logits = model.logits(at: Array(0 ..< model.lastPassPositions))
            model.backwardMeanCrossEntropy()
            return (logits, model.gradients.toArray())
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        SummationOrder.assertAgree(two.logits, one.logits, "logits")
        let layout = try GPT2(config: config, seed: 3).layout
        SummationOrder.assertAgree(two.gradients, one.gradients, layout: layout, "gradient")
    }

    func testLoadsNamesWithAndWithoutPrefixAndIgnoresBuffers() throws {
        let reference = try GPT2Fixture.model()
        let source = try SafetensorsReader(url: GPT2Fixture.file("model.safetensors"))
        let config = try GPT2Config.load(from: GPT2Fixture.file("config.json"))
        var tensors = try source.tensorNames.map { try source.namedTensor($0, renamed: String($0.dropFirst("transformer.".count))) }
        tensors.append(try source.namedTensor("transformer.wte.weight", renamed: "lm_head.weight"))
        tensors.append((name: "h.0.attn.bias", shape: [1, 1, 4, 4], values: [Float](repeating: 1, count: 16)))
        let model = try GPT2(config: config, checkpoint: try writeCheckpoint(tensors))
        XCTAssertEqual(model.parameters.toArray(), reference.parameters.toArray())
        XCTAssertTrue(model.layout.specs.allSatisfy { $0.name.hasPrefix("transformer.") })
    }

    func testWrongShapeNamesTheTensor() throws {
        let source = try SafetensorsReader(url: GPT2Fixture.file("model.safetensors"))
        let config = try GPT2Config.load(from: GPT2Fixture.file("config.json"))
        let tensors = try source.tensorNames.map { name -> NamedTensor in
            let original = try source.namedTensor(name)
            return name == "transformer.h.1.mlp.c_fc.weight" ? (name, [192, 48], original.values) : original
        }
        let reader = try writeCheckpoint(tensors)
        XCTAssertThrowsError(try GPT2(config: config, checkpoint: reader)) { error in
            XCTAssertEqual(error as? SafetensorsError,
                           .shapeMismatch(file: reader.path, tensor: "transformer.h.1.mlp.c_fc.weight", expected: [48, 192], found: [192, 48]))
            XCTAssertTrue(String(describing: error).contains("transformer.h.1.mlp.c_fc.weight"))
        }
    }

    func testMissingAndUnexpectedTensorsAreNamed() throws {
        let source = try SafetensorsReader(url: GPT2Fixture.file("model.safetensors"))
        let config = try GPT2Config.load(from: GPT2Fixture.file("config.json"))
        let all = try source.tensorNames.map { try source.namedTensor($0) }
        let missing = try writeCheckpoint(all.filter { $0.name != "transformer.ln_f.bias" })
        XCTAssertThrowsError(try GPT2(config: config, checkpoint: missing)) { error in
            XCTAssertEqual(error as? SafetensorsError, .missingTensor(file: missing.path, tensor: "transformer.ln_f.bias"))
        }
        let extra = try writeCheckpoint(all + [(name: "transformer.h.2.ln_1.weight", shape: [48], values: [Float](repeating: 1, count: 48))])
        XCTAssertThrowsError(try GPT2(config: config, checkpoint: extra)) { error in
            XCTAssertEqual(error as? ModelError, .unexpectedTensor(file: extra.path, tensor: "transformer.h.2.ln_1.weight"))
        }
    }

    func testInvalidBatchIsRejected() throws {
        let model = try GPT2(config: GPT2Config.preset("tiny", vocabularySize: 10), seed: 1)
        XCTAssertThrowsError(try model.forward(tokens: [1, 2, 10], targets: [2, 3, 4], batchSize: 1, length: 3)) { error in
            XCTAssertEqual(error as? ModelError, .invalidBatch(input: "tokens[0][2]", reason: "id 10 is outside the vocabulary 0..<10"))
        }
        XCTAssertThrowsError(try model.forward(tokens: [1, 2, 3], targets: [2, -2, 4], batchSize: 1, length: 3)) { error in
            guard case .invalidBatch(input: "targets[0][1]", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try model.forward(tokens: [Int32](repeating: 1, count: 129), targets: [Int32](repeating: 1, count: 129),
                                               batchSize: 1, length: 129)) { error in
            guard case .invalidBatch(input: "length", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try model.forward(tokens: [1, 2], targets: [1, 2, 3], batchSize: 1, length: 2))
    }

    func testRandomInitialisationFollowsGPT2Scheme() throws {
        let config = try GPT2Config.preset("small", vocabularySize: 300)
        let model = try GPT2(config: config, seed: 11)
        func standardDeviation(_ name: String) -> Double {
            let values = model.layout.view(name, in: model.parameters)
            let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
            return (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)).squareRoot()
        }
        XCTAssertEqual(standardDeviation("transformer.wte.weight"), 0.02, accuracy: 0.0005)
        XCTAssertEqual(standardDeviation("transformer.h.0.mlp.c_fc.weight"), 0.02, accuracy: 0.0005)
        XCTAssertEqual(standardDeviation("transformer.h.3.mlp.c_proj.weight"), 0.02 / (8.0).squareRoot(), accuracy: 0.0003)
        XCTAssertTrue(model.layout.view("transformer.h.2.ln_2.weight", in: model.parameters).allSatisfy { $0 == 1 })
        XCTAssertTrue(model.layout.view("transformer.h.2.attn.c_attn.bias", in: model.parameters).allSatisfy { $0 == 0 })
        XCTAssertEqual(try GPT2(config: config, seed: 11).parameters.toArray(), model.parameters.toArray())
        XCTAssertNotEqual(try GPT2(config: config, seed: 12).parameters.toArray(), model.parameters.toArray())
    }

    func testHiddenStatesAreTheFinalLayerNormOutput() throws {
        let model = try GPT2Fixture.model()
        try GPT2Fixture.forward(model)
        let c = model.config.channels
        let hidden = Array(model.hiddenStates)
        XCTAssertEqual(hidden.count, 32 * c)
        // Logits are the hidden states times the tied embedding: check one entry by hand.
        let wte = model.layout.view("transformer.wte.weight", in: model.parameters)
        let row = 9, token = 17
        let dot = (0..<c).reduce(Float(0)) { $0 + hidden[row * c + $1] * wte[token * c + $1] }
        XCTAssertEqual(model.logits(at: [row])[token], dot, accuracy: 1e-4)
        // Undoing ln_f's gain and bias leaves a row with mean 0 and variance 1.
        let gain = model.layout.view("transformer.ln_f.weight", in: model.parameters)
        let bias = model.layout.view("transformer.ln_f.bias", in: model.parameters)
        let normalised = (0..<c).map { (hidden[row * c + $0] - bias[$0]) / gain[$0] }
        let mean = normalised.reduce(0, +) / Float(c)
        XCTAssertEqual(mean, 0, accuracy: 1e-4)
        XCTAssertEqual(normalised.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(c), 1, accuracy: 1e-3)
    }
}
