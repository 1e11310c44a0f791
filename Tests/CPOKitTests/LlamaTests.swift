import Foundation
import XCTest
@testable import CPOKit

/// The PyTorch reference vectors of the Llama family in Fixtures: llama-tiny, qwen2-tiny and
/// llama-tiny-bf16-sharded (the project's shared vectors), and llama-tiny-llama3, mistral-tiny-window and qwen2-tiny-window
/// (written by launch/compare/make_llama_fixtures.py).
enum LlamaFixture {
    struct Batch: Decodable {
        let tokens: [[Int32]]
        let targets: [[Int32]]
        let adamw: GPT2Fixture.Batch.AdamWSettings?
    }

    static func file(_ fixture: String, _ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(fixture).appendingPathComponent(name)
    }

    static func batch(_ fixture: String) throws -> Batch {
        try JSONDecoder().decode(Batch.self, from: Data(contentsOf: file(fixture, "batch.json")))
    }

    static func config(_ fixture: String) throws -> LlamaConfig {
        let url = file(fixture, "config.json")
        return try LlamaConfig(configJSON: Data(contentsOf: url), file: url.path)
    }

    /// Loads the fixture's weights as a model folder is loaded: one file, or shards and their index.
    static func model(_ fixture: String) throws -> Llama {
        try Llama(config: config(fixture), checkpoint: ModelWeights(folder: file(fixture, "")))
    }

    /// Runs the fixture's batch forward.
    static func forward(_ model: Llama, _ fixture: String) throws {
        let batch = try batch(fixture)
        try model.forward(tokens: batch.tokens.flatMap { $0 }, targets: batch.targets.flatMap { $0 },
                          batchSize: batch.tokens.count, length: batch.tokens[0].count)
    }
}

final class LlamaTests: XCTestCase {
    /// Logits within 1e-4, nll and loss within 1e-5, every gradient within 1e-4 of PyTorch's (and
    /// within 1e-3 of its own largest entry, as the gradients are small).
    private func assertMatchesPyTorch(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try LlamaFixture.model(fixture)
        let expected = try SafetensorsReader(url: LlamaFixture.file(fixture, "expected.safetensors"))
        try LlamaFixture.forward(model, fixture)
        XCTAssertLessThan(maxAbsoluteDifference(model.logits(at: Array(0 ..< model.lastPassPositions)), try expected.floats("logits").values), 1e-4, "logits", file: file, line: line)
        XCTAssertLessThan(maxAbsoluteDifference(model.nll, try expected.floats("nll").values), 1e-5, "nll", file: file, line: line)
        XCTAssertEqual(model.meanCrossEntropy, try expected.floats("loss").values[0], accuracy: 1e-5, "loss", file: file, line: line)

        model.backwardMeanCrossEntropy()
        let gradients = expected.tensorNames.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst("grad.".count)) }
        XCTAssertEqual(Set(gradients), Set(model.layout.specs.map(\.name)), "PyTorch's parameters are the model's", file: file, line: line)
        for spec in model.layout.specs {
            let reference = try expected.floats("grad." + spec.name).values
            let difference = maxAbsoluteDifference(model.layout.view(spec.name, in: model.gradients), reference)
            XCTAssertLessThan(difference, 1e-4, "gradient of \(spec.name)", file: file, line: line)
            XCTAssertLessThan(difference, 1e-3 * reference.map(abs).max()!, "gradient of \(spec.name), relative to its largest entry",
                              file: file, line: line)
        }
    }

    /// Untied head, grouped-query attention, explicit head_dim, rope_parameters of transformers 5.
    func testLlamaTinyMatchesPyTorch() throws { try assertMatchesPyTorch("llama-tiny") }

    /// q, k, v biases without an o_proj bias, tied embeddings, rope_theta 1e6.
    func testQwen2TinyMatchesPyTorch() throws { try assertMatchesPyTorch("qwen2-tiny") }

    /// BF16 weights in four shards named by model.safetensors.index.json, 4:1 grouped-query
    /// attention: PyTorch's values come from the stored weights upcast to fp32, which is exact, so
    /// the model must match them as closely as an fp32 checkpoint.
    func testBF16ShardedLlamaMatchesPyTorch() throws {
        let weights = try ModelWeights(folder: LlamaFixture.file("llama-tiny-bf16-sharded", ""))
        XCTAssertTrue(weights.isSharded)
        XCTAssertEqual(Set(weights.tensorNames.compactMap { weights.entry($0)?.dtype }), [.bf16])
        XCTAssertEqual(Set(weights.tensorNames.compactMap { weights.file(containing: $0) }).count, 4)
        try assertMatchesPyTorch("llama-tiny-bf16-sharded")
    }

    /// llama3-scaled RoPE across all three bands, head_dim ≠ hidden_size / heads, 4:1 grouped-query
    /// attention, attention (q, k, v, o) and MLP biases, tied embeddings, and a pad_token_id in the
    /// batch, whose input rows add nothing to the embedding's gradient.
    func testLlama3RoPEBiasesAndPaddingMatchPyTorch() throws {
        let config = try LlamaFixture.config("llama-tiny-llama3")
        XCTAssertEqual(config.ropeScaling, .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 16))
        XCTAssertEqual([config.headSize, config.keyValueHeads, config.paddingTokenID], [12, 1, 3])
        XCTAssertTrue(config.queryKeyValueBias && config.outputBias && config.mlpBias && config.tieWordEmbeddings)
        try assertMatchesPyTorch("llama-tiny-llama3")
    }

    /// A 5-position sliding window over 16-token sequences.
    func testMistralSlidingWindowMatchesPyTorch() throws {
        XCTAssertEqual(try LlamaFixture.config("mistral-tiny-window").attentionWindows, [5, 5])
        try assertMatchesPyTorch("mistral-tiny-window")
    }

    /// use_sliding_window on the layers from max_window_layers on: the second of two.
    func testQwen2SlidingWindowMatchesPyTorch() throws {
        XCTAssertEqual(try LlamaFixture.config("qwen2-tiny-window").attentionWindows, [nil, 4])
        try assertMatchesPyTorch("qwen2-tiny-window")
    }

    func testAdamWStepMatchesPyTorch() throws {
        let model = try LlamaFixture.model("llama-tiny")
        let settings = try XCTUnwrap(LlamaFixture.batch("llama-tiny").adamw)
        // PyTorch's own gradients, so this isolates the optimizer's arithmetic over this layout.
        let gradients = try SafetensorsReader(url: LlamaFixture.file("llama-tiny", "expected.safetensors"))
        for spec in model.layout.specs {
            try gradients.read("grad." + spec.name, into: model.layout.view(spec.name, in: model.gradients), expectedShape: spec.shape)
        }
        let optimizer = AdamW(layout: model.layout, beta1: settings.beta1, beta2: settings.beta2, epsilon: settings.eps,
                              weightDecay: settings.weight_decay)
        let before = model.parameters.toArray()
        optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: settings.lr)
        let expected = try SafetensorsReader(url: LlamaFixture.file("llama-tiny", "after_adamw.safetensors"))
        for spec in model.layout.specs {
            let updated = model.layout.view(spec.name, in: model.parameters)
            XCTAssertLessThan(maxAbsoluteDifference(updated, try expected.floats(spec.name).values), 1e-6, spec.name)
            let moved = zip(updated, before[spec.offset..<spec.offset + spec.count]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(moved, Float(settings.lr) / 2, spec.name)
        }
    }

    /// A config with everything the family varies: llama3 RoPE (with an original context short
    /// enough that the head's frequencies fall in all three bands), head_dim 12 ≠ 32 / 4, 2:1
    /// grouped-query attention, q/k/v/o and MLP biases, a tied head, a sliding window.
    private func everyFeatureConfig(modelType: String = "llama", window: Int? = nil) throws -> LlamaConfig {
        try LlamaConfig(modelType: modelType, vocabularySize: 23, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4, keyValueHeads: 2,
                        headSize: 12, maxPositions: 32, attentionBias: modelType == "llama", mlpBias: modelType == "llama",
                        ropeScaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8),
                        slidingWindow: window, initializerRange: 0.1)
    }

    /// Random biases, so they are not all zero as a fresh model's are.
    private func withRandomBiases(_ model: Llama) -> Llama {
        for spec in model.layout.specs where spec.name.hasSuffix(".bias") {
            let values = model.layout.view(spec.name, in: model.parameters)
            for i in values.indices { values[i] = 0.2 * sin(Float(spec.offset + i)) }
        }
        return model
    }

    func testGradientsMatchFiniteDifferences() throws {
        let model = withRandomBiases(Llama(config: try everyFeatureConfig(), seed: 7))
        let layer = "model.layers.1."
        try FiniteDifferences.assertGradientsMatch(model, batchSize: 2, length: 7, probes: [
            ("model.embed_tokens.weight", 7 * 32 + 5), ("model.embed_tokens.weight", 20 * 32 + 9),
            ("model.layers.0.input_layernorm.weight", 9), ("model.layers.0.self_attn.q_proj.weight", 40 * 32 + 3),
            ("model.layers.0.self_attn.k_proj.weight", 17 * 32 + 30), ("model.layers.0.self_attn.v_proj.weight", 5 * 32 + 11),
            // Not k_proj.bias: a bias shared by all keys shifts a query's scores alike, which
            // the softmax ignores; only the rotation makes its gradient differ from zero, barely.
            ("model.layers.0.self_attn.q_proj.bias", 30), ("model.layers.0.self_attn.v_proj.bias", 2), (layer + "self_attn.o_proj.weight", 3 * 48 + 40),
            (layer + "self_attn.o_proj.bias", 12), (layer + "post_attention_layernorm.weight", 31),
            (layer + "mlp.gate_proj.weight", 30 * 32 + 1), (layer + "mlp.up_proj.weight", 3 * 32 + 17),
            (layer + "mlp.gate_proj.bias", 39), (layer + "mlp.up_proj.bias", 0), (layer + "mlp.down_proj.weight", 7 * 40 + 33),
            (layer + "mlp.down_proj.bias", 4), ("model.norm.weight", 12),
        ])
    }

    func testBackwardAccumulatesIntoGradients() throws {
        let model = try LlamaFixture.model("qwen2-tiny")
        try LlamaFixture.forward(model, "qwen2-tiny")
        model.backwardMeanCrossEntropy()
        let once = model.gradients.toArray()
        try LlamaFixture.forward(model, "qwen2-tiny")
        model.backwardMeanCrossEntropy()
        XCTAssertLessThan(maxAbsoluteDifference(model.gradients.toArray(), once.map { 2 * $0 }), 1e-6)
        XCTAssertGreaterThan(once.map(abs).max()!, 1e-3)
    }

    /// The project's kernels give each output one thread and one order of arithmetic; sgemm does
    /// not (`SummationOrder`), so the threads change only last bits.
    func testOneAndTwoThreadsAgreeToSummationOrder() throws {
        let config = try everyFeatureConfig(modelType: "mistral", window: 9)
        let (batchSize, length) = (3, 30)
        let tokens: [Int32] = (0..<batchSize * length).map { Int32($0 * 31 % 23) }
        let targets: [Int32] = (0..<batchSize * length).map { $0 % 7 == 0 ? -1 : Int32($0 * 13 % 23) }
        let original = Parallel.threadCount
        defer { Parallel.setThreadCount(original) }
        func run(threads: Int) throws -> (parameters: [Float], logits: [Float], gradients: [Float]) {
            Parallel.setThreadCount(threads)
            let model = Llama(config: config, seed: 3)
            try model.forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            let logits = model.logits(at: Array(0 ..< model.lastPassPositions))
            model.backwardMeanCrossEntropy()
            return (model.parameters.toArray(), logits, model.gradients.toArray())
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        XCTAssertEqual(one.parameters, two.parameters, "random initialisation is bitwise the same")
        SummationOrder.assertAgree(two.logits, one.logits, "logits")
        SummationOrder.assertAgree(two.gradients, one.gradients, layout: LlamaTensors.layout(config), "gradient")
    }

    func testRandomInitialisationFollowsHuggingFace() throws {
        let config = try LlamaConfig(vocabularySize: 300, hiddenSize: 128, intermediateSize: 256, layers: 2, heads: 4, maxPositions: 64,
                                     tieWordEmbeddings: false, attentionBias: true, initializerRange: 0.05)
        let model = Llama(config: config, seed: 11)
        func standardDeviation(_ name: String) -> Double {
            let values = model.layout.view(name, in: model.parameters)
            let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
            return (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)).squareRoot()
        }
        for name in ["model.embed_tokens.weight", "lm_head.weight", "model.layers.0.self_attn.k_proj.weight",
                     "model.layers.1.self_attn.o_proj.weight", "model.layers.1.mlp.down_proj.weight"] {
            XCTAssertEqual(standardDeviation(name), 0.05, accuracy: 0.003, name)
        }
        XCTAssertTrue(model.layout.view("model.layers.1.post_attention_layernorm.weight", in: model.parameters).allSatisfy { $0 == 1 })
        XCTAssertTrue(model.layout.view("model.norm.weight", in: model.parameters).allSatisfy { $0 == 1 })
        XCTAssertTrue(model.layout.view("model.layers.0.self_attn.o_proj.bias", in: model.parameters).allSatisfy { $0 == 0 })
        XCTAssertEqual(Llama(config: config, seed: 11).parameters.toArray(), model.parameters.toArray())
        XCTAssertNotEqual(Llama(config: config, seed: 12).parameters.toArray(), model.parameters.toArray())
    }

    func testPaddingRowStartsAtZero() throws {
        let model = try LlamaFixture.model("llama-tiny-llama3")
        let fresh = Llama(config: model.config, seed: 1)
        let row = fresh.layout.view("model.embed_tokens.weight", in: fresh.parameters)[3 * 32 ..< 4 * 32]
        XCTAssertTrue(row.allSatisfy { $0 == 0 })
    }

    /// q, k and v (and gate and up) lie back to back, each group one matrix; the layers' ranges
    /// tile the buffer from the first layer to the final norm.
    func testLayoutStacksProjectionsAndRangesAreConsecutive() throws {
        let config = try LlamaFixture.config("qwen2-tiny")
        let layout = LlamaTensors.layout(config)
        for layer in 0..<config.layers {
            for (first, second) in [("self_attn.q_proj.weight", "self_attn.k_proj.weight"), ("self_attn.k_proj.weight", "self_attn.v_proj.weight"),
                                    ("self_attn.q_proj.bias", "self_attn.k_proj.bias"), ("self_attn.k_proj.bias", "self_attn.v_proj.bias"),
                                    ("mlp.gate_proj.weight", "mlp.up_proj.weight")] {
                let a = layout["model.layers.\(layer).\(first)"]!, b = layout["model.layers.\(layer).\(second)"]!
                XCTAssertEqual(a.offset + a.count, b.offset, "\(second) follows \(first)")
            }
        }
        XCTAssertNil(layout["lm_head.weight"], "tied")
        XCTAssertNil(layout["model.layers.0.self_attn.o_proj.bias"], "Qwen2's o_proj has no bias")
        let model = try LlamaFixture.model("qwen2-tiny")
        let ranges = model.blockParameterRanges
        XCTAssertEqual(ranges.count, 2)
        XCTAssertEqual(ranges[0].upperBound, ranges[1].lowerBound)
        XCTAssertEqual(ranges[0].lowerBound, layout["model.layers.0.input_layernorm.weight"]!.offset)
        XCTAssertEqual(ranges[1].upperBound, layout["model.norm.weight"]!.offset)
    }

    func testHiddenStatesAreTheFinalNormOutput() throws {
        let model = try LlamaFixture.model("llama-tiny")
        try LlamaFixture.forward(model, "llama-tiny")
        let c = model.config.hiddenSize, vocabulary = model.config.vocabularySize
        let hidden = Array(model.hiddenStates)
        XCTAssertEqual(hidden.count, 32 * c)
        let head = model.layout.view("lm_head.weight", in: model.parameters)
        let row = 9, token = 17
        let dot = (0..<c).reduce(Float(0)) { $0 + hidden[row * c + $1] * head[token * c + $1] }
        XCTAssertEqual(model.logits(at: [row])[token], dot, accuracy: 1e-4)
        // The last layer's output, RMS-normalised and scaled by the gain.
        let gain = model.layout.view("model.norm.weight", in: model.parameters)
        let x = Array(model.activations!.blocks.last!.residualAfterMLP.buffer[row * c ..< (row + 1) * c]).map(Double.init)
        let r = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(c) + model.config.rmsNormEpsilon).squareRoot()
        for i in 0..<c { XCTAssertEqual(Double(hidden[row * c + i]), Double(gain[i]) * x[i] * r, accuracy: 1e-5) }
    }

    func testLoadingIgnoresRotaryBuffersAndTiedHeadsAndNamesBadTensors() throws {
        let source = try SafetensorsReader(url: LlamaFixture.file("qwen2-tiny", "model.safetensors"))
        let config = try LlamaFixture.config("qwen2-tiny")
        let reference = try LlamaFixture.model("qwen2-tiny")
        let all = try source.tensorNames.map { try source.namedTensor($0) }
        var extended = all + [try source.namedTensor("model.embed_tokens.weight", renamed: "lm_head.weight")]
        extended.append((name: "model.layers.0.self_attn.rotary_emb.inv_freq", shape: [6], values: [Float](repeating: 1, count: 6)))
        XCTAssertEqual(try Llama(config: config, checkpoint: try writeCheckpoint(extended)).parameters.toArray(), reference.parameters.toArray())

        let missing = try writeCheckpoint(all.filter { $0.name != "model.layers.1.self_attn.k_proj.bias" })
        XCTAssertThrowsError(try Llama(config: config, checkpoint: missing)) { error in
            XCTAssertEqual(error as? SafetensorsError, .missingTensor(file: missing.path, tensor: "model.layers.1.self_attn.k_proj.bias"))
        }
        let extra = try writeCheckpoint(all + [(name: "model.layers.0.self_attn.o_proj.bias", shape: [48], values: [Float](repeating: 0, count: 48))])
        XCTAssertThrowsError(try Llama(config: config, checkpoint: extra)) { error in
            XCTAssertEqual(error as? ModelError, .unexpectedTensor(file: extra.path, tensor: "model.layers.0.self_attn.o_proj.bias"))
        }
        let reshaped = try writeCheckpoint(all.map { $0.name == "model.layers.0.self_attn.k_proj.weight" ? ($0.name, [48, 24], $0.values) : $0 })
        XCTAssertThrowsError(try Llama(config: config, checkpoint: reshaped)) { error in
            XCTAssertEqual(error as? SafetensorsError, .shapeMismatch(file: reshaped.path, tensor: "model.layers.0.self_attn.k_proj.weight",
                                                                      expected: [24, 48], found: [48, 24]))
        }
    }

    func testInvalidBatchIsRejected() throws {
        let model = Llama(config: try LlamaConfig.preset("llama-tiny", vocabularySize: 10), seed: 1)
        XCTAssertThrowsError(try model.forward(tokens: [1, 2, 10], targets: [2, 3, 4], batchSize: 1, length: 3)) { error in
            XCTAssertEqual(error as? ModelError, .invalidBatch(input: "tokens[0][2]", reason: "id 10 is outside the vocabulary 0..<10"))
        }
        XCTAssertThrowsError(try model.forward(tokens: [Int32](repeating: 1, count: 129), targets: [Int32](repeating: 1, count: 129),
                                               batchSize: 1, length: 129)) { error in
            XCTAssertEqual(error as? ModelError, .invalidBatch(input: "length", reason: "129 is outside 1...128 (max_position_embeddings)"))
        }
    }
}
