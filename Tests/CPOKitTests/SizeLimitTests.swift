import XCTest
@testable import CPOKit

/// Sizes no machine can hold are refused from the numbers alone, before anything is allocated,
/// and hyper-parameters are checked as the Floats the arithmetic uses.
final class SizeLimitTests: XCTestCase {
    private func gpt2Config(_ changes: [String: Any]) throws -> Data {
        var object: [String: Any] = ["model_type": "gpt2", "vocab_size": 257, "n_positions": 128, "n_embd": 64, "n_layer": 2, "n_head": 4]
        object.merge(changes) { $1 }
        return try JSONSerialization.data(withJSONObject: object)
    }

    private func llamaConfig(_ changes: [String: Any]) throws -> Data {
        var object: [String: Any] = ["model_type": "llama", "vocab_size": 257, "hidden_size": 64, "intermediate_size": 128,
                                     "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128]
        object.merge(changes) { $1 }
        return try JSONSerialization.data(withJSONObject: object)
    }

    func testConfigsTooLargeForTheMachineNameTheirFields() throws {
        let cases: [(Data, String)] = [
            (try gpt2Config(["n_layer": 1_000_000_000]), "n_layer 1000000000"), (try gpt2Config(["n_embd": 1 << 40, "n_head": 1]), "n_embd 1099511627776"),
            (try gpt2Config(["n_positions": 1_000_000_000_000]), "n_positions 1000000000000"),
            (try gpt2Config(["n_embd": 1 << 62, "n_head": 1]), "n_embd 4611686018427387904"),
            (try llamaConfig(["num_hidden_layers": 1_000_000_000]), "num_hidden_layers 1000000000"),
            (try llamaConfig(["hidden_size": 1 << 40]), "hidden_size 1099511627776"),
            (try llamaConfig(["max_position_embeddings": 1_000_000_000_000]), "max_position_embeddings 1000000000000"),
        ]
        for (json, field) in cases {
            let start = Date()
            XCTAssertThrowsError(try ModelRegistry.config(fromJSON: json, file: "config.json"), field) { error in
                guard case .exceedsMemory? = error as? ModelError else { return XCTFail("\(field): \(error)") }
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("config.json: a model of ") && text.contains(field)
                              && text.contains("of memory of this machine"), text)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 1, "\(field): refused from the numbers, nothing built")
        }
    }

    func testWeightFloatsCountWhatAModelAllocates() throws {
        let configs: [any ModelConfig] = [
            try ModelRegistry.preset("tiny", vocabularySize: 257), try ModelRegistry.preset("llama-tiny", vocabularySize: 257),
            try GPT2Config(configJSON: try gpt2Config(["n_inner": 96]), file: nil),
            try LlamaConfig(configJSON: try llamaConfig(["model_type": "qwen2", "tie_word_embeddings": true]), file: nil),
            try LlamaConfig(configJSON: try llamaConfig(["attention_bias": true, "mlp_bias": true]), file: nil),
        ]
        for config in configs {
            let layout = try config.randomModel(seed: 1).layout
            // The RoPE table besides the parameters; each tensor starts 16-float aligned.
            let table = (config as? LlamaConfig).map { Double($0.maxPositions * $0.headSize) } ?? 0
            let parameters = Double(layout.specs.reduce(0) { $0 + $1.count })
            XCTAssertEqual(config.weightFloats, parameters + table, "\(config)")
        }
    }

    func testHyperParametersAreCheckedAsTheFloatsTheyBecome() {
        let cases: [(WritableKeyPath<TrainingOptions, Double>, Double, String)] = [
            (\.learningRate, 1e39, "learning-rate"), (\.learningRate, 1e-50, "learning-rate"), (\.learningRate, 1e38, "learning-rate"),
            (\.gradClip, 1e39, "grad-clip"), (\.gradClip, 1e-50, "grad-clip"), (\.adamEpsilon, 1e-50, "adam-epsilon"),
            (\.adamBeta2, 0.999_999_999, "adam-beta2"), (\.weightDecay, 1e39, "weight-decay"), (\.beta, 1e39, "beta"),
            (\.nllWeight, 1e39, "nll-weight"), (\.temperature, 1e-50, "temperature"), (\.topP, 1e-50, "top-p"),
        ]
        for (path, value, option) in cases {
            var options = TrainingOptions()
            options[keyPath: path] = value
            XCTAssertThrowsError(try options.validate(), "\(option) \(value)") { error in
                XCTAssertEqual((error as? OptionError)?.option, option, "\(error)")
                XCTAssertTrue("\(error)".contains("32-bit float"), "\(error)")
            }
        }
        var options = TrainingOptions()
        (options.learningRate, options.gradClip, options.adamEpsilon, options.beta) = (3e37, 0, 1e-30, 1e30)
        XCTAssertNoThrow(try options.validate(), "large and small values a Float holds are fine, and 0 is 0")
    }

    func testARunWhoseLogitsCannotFitNamesTheOptions() throws {
        let config = try ModelRegistry.preset("tiny", vocabularySize: 257)
        let data = TrainingSet.synthetic(SortTask(), count: 8, seed: 1, tokenizer: ByteTokenizer())
        let longest = data.longestRow(seqLen: 128)
        XCTAssertGreaterThan(longest, 20)
        var options = TrainingOptions()
        XCTAssertNoThrow(try TrainingMemory(options: options, config: config, ranks: 1, data: data).check())
        options.batchSize = 1_000_000_000
        XCTAssertThrowsError(try TrainingMemory(options: options, config: config, ranks: 1, data: data).check()) { error in
            XCTAssertTrue("\(error)".contains("1000000000 rows (--batch-size 1000000000 / 1 data group / --grad-accumulation 1)")
                          && "\(error)".contains("× \(longest) positions (the longest training row) × 257 tokens"), "\(error)")
        }
        options = TrainingOptions()
        options.objective = "cpo"
        options.numCandidates = 1_000_000
        options.candidateShards = 2
        let memory = TrainingMemory(options: options, config: config, ranks: 4, data: data)
        XCTAssertEqual(memory.rows, 8 * 500_000, "16 examples over 2 data groups, half of the candidates on each shard")
        XCTAssertThrowsError(try memory.check()) { error in
            XCTAssertTrue("\(error)".contains("--num-candidates 1000000 / 2 candidate shards"), "\(error)")
        }
    }
}
