import Foundation
import XCTest
@testable import CPOKit

final class LlamaConfigTests: XCTestCase {
    private func config(_ json: String, file: String? = "config.json") throws -> LlamaConfig {
        try LlamaConfig(configJSON: Data(json.utf8), file: file)
    }

    /// The smallest valid config of a family, with `extra` fields spliced in.
    private func minimal(_ modelType: String = "llama", _ extra: String = "") -> String {
        #"{"model_type": "\#(modelType)", "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4\#(extra)}"#
    }

    /// The field a bad config is rejected for.
    private func rejectedField(_ json: String) -> String? {
        do { _ = try config(json) } catch let ModelError.invalidConfig(file, field, _) {
            XCTAssertEqual(file, "config.json")
            return field
        } catch { XCTFail("\(error)") }
        return nil
    }

    func testReadsTheFixtureConfigs() throws {
        let llama = try LlamaFixture.config("llama-tiny")
        XCTAssertEqual(llama.modelType, "llama")
        XCTAssertEqual([llama.vocabularySize, llama.hiddenSize, llama.intermediateSize, llama.layers, llama.heads, llama.keyValueHeads,
                        llama.headSize, llama.maxPositions], [61, 48, 112, 2, 4, 2, 12, 64])
        XCTAssertEqual(llama.rmsNormEpsilon, 1e-6)
        XCTAssertEqual(llama.ropeTheta, 10000)
        XCTAssertEqual(llama.ropeScaling, .none)
        XCTAssertFalse(llama.tieWordEmbeddings || llama.queryKeyValueBias || llama.outputBias || llama.mlpBias)
        XCTAssertEqual(llama.endOfText, 2)
        XCTAssertEqual(llama.attentionWindows, [nil, nil])

        let qwen2 = try LlamaFixture.config("qwen2-tiny")
        XCTAssertEqual(qwen2.ropeTheta, 1e6)
        XCTAssertTrue(qwen2.tieWordEmbeddings && qwen2.queryKeyValueBias)
        XCTAssertFalse(qwen2.outputBias || qwen2.mlpBias)
        XCTAssertNil(qwen2.endOfText)
        XCTAssertEqual(qwen2.headSize, 12)
        XCTAssertEqual(try LlamaFixture.config("llama-tiny-llama3").endOfTextIDs, [2, 5])
    }

    /// Older configs: rope_theta at the top and rope_scaling with `type` or `rope_type`; transformers
    /// takes rope_scaling over rope_parameters, and a top-level original_max_position_embeddings.
    func testReadsOlderRoPEFieldsAsTransformersDoes() throws {
        let linear = try config(minimal("llama", #", "rope_theta": 500000.0, "rope_scaling": {"type": "linear", "factor": 2.0}"#))
        XCTAssertEqual(linear.ropeTheta, 5e5)
        XCTAssertEqual(linear.ropeScaling, .linear(factor: 2))
        let llama3 = try config(minimal("llama", #", "rope_theta": 500000, "max_position_embeddings": 1024, "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0}, "rope_parameters": {"rope_type": "default", "rope_theta": 7.0}"#))
        XCTAssertEqual(llama3.ropeTheta, 5e5)
        XCTAssertEqual(llama3.ropeScaling, .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 1024))
        let topLevel = try config(minimal("llama", #", "original_max_position_embeddings": 4096, "rope_parameters": {"rope_type": "llama3", "rope_theta": 8.0, "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}"#))
        XCTAssertEqual(topLevel.ropeTheta, 8)
        XCTAssertEqual(topLevel.ropeScaling, .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 4096))
    }

    func testDefaultsAreTransformers() throws {
        let llama = try config(minimal())
        XCTAssertEqual([llama.keyValueHeads, llama.headSize, llama.maxPositions], [4, 8, 2048])
        XCTAssertEqual(llama.rmsNormEpsilon, 1e-6)
        XCTAssertEqual(llama.ropeTheta, 10000)
        XCTAssertEqual(llama.initializerRange, 0.02)
        XCTAssertFalse(llama.tieWordEmbeddings)
        XCTAssertEqual(try config(minimal("qwen2")).maxPositions, 32768)
        // Mistral's sliding window is 4096 unless config.json says otherwise, or null.
        XCTAssertEqual(try config(minimal("mistral")).attentionWindows, [4096, 4096])
        XCTAssertEqual(try config(minimal("mistral", #", "sliding_window": null"#)).attentionWindows, [nil, nil])
        // Qwen2's only with use_sliding_window.
        XCTAssertEqual(try config(minimal("qwen2", #", "sliding_window": 16"#)).attentionWindows, [nil, nil])
        XCTAssertEqual(try config(minimal("qwen2", #", "use_sliding_window": true, "sliding_window": 16, "max_window_layers": 1"#)).attentionWindows,
                       [nil, 16])
        XCTAssertEqual(try config(minimal("qwen2", #", "use_sliding_window": true, "sliding_window": 16, "layer_types": ["sliding_attention", "full_attention"]"#)).attentionWindows,
                       [16, nil])
    }

    func testUnsupportedSettingsNameTheirField() {
        XCTAssertEqual(rejectedField(minimal("llama", #", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}"#)), "rope_scaling.rope_type")
        XCTAssertEqual(rejectedField(minimal("llama", #", "rope_scaling": {"type": "dynamic", "factor": 4.0}"#)), "rope_scaling.type")
        XCTAssertEqual(rejectedField(minimal("qwen2", #", "rope_parameters": {"rope_type": "longrope", "rope_theta": 1e4}"#)), "rope_parameters.rope_type")
        XCTAssertEqual(rejectedField(minimal("llama", #", "hidden_act": "gelu""#)), "hidden_act")
        XCTAssertEqual(rejectedField(minimal("llama", #", "pretraining_tp": 2"#)), "pretraining_tp")
        XCTAssertEqual(rejectedField(minimal("llama", #", "partial_rotary_factor": 0.5"#)), "partial_rotary_factor")
        XCTAssertEqual(rejectedField(minimal("llama", #", "rope_parameters": {"rope_type": "default", "rope_theta": 1e4, "partial_rotary_factor": 0.25}"#)),
                       "rope_parameters.partial_rotary_factor")
        XCTAssertEqual(rejectedField(minimal("llama", #", "rope_parameters": {"rope_type": "linear", "rope_theta": 1e4}"#)), "rope_parameters.factor")
        XCTAssertEqual(rejectedField(minimal("llama", #", "rope_parameters": {"full_attention": {"rope_type": "default"}}"#)),
                       "rope_parameters.full_attention")
        XCTAssertEqual(rejectedField(minimal("llama", #", "num_key_value_heads": 3"#)), "num_key_value_heads")
        XCTAssertEqual(rejectedField(minimal("llama", #", "head_dim": 7"#)), "head_dim")
        XCTAssertEqual(rejectedField(minimal("llama", #", "rms_norm_eps": 0"#)), "rms_norm_eps")
        XCTAssertEqual(rejectedField(minimal("llama", #", "tie_word_embeddings": "yes""#)), "tie_word_embeddings")
        XCTAssertEqual(rejectedField(minimal("llama", #", "eos_token_id": [2, null]"#)), "eos_token_id[1]")
        XCTAssertEqual(rejectedField(minimal("llama", #", "pad_token_id": 50"#)), "pad_token_id")
        XCTAssertEqual(rejectedField(minimal("mistral", #", "sliding_window": 0"#)), "sliding_window")
        XCTAssertEqual(rejectedField(minimal("qwen2", #", "use_sliding_window": true, "layer_types": ["full_attention"]"#)), "layer_types")
        XCTAssertEqual(rejectedField(#"{"model_type": "llama", "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2}"#),
                       "num_attention_heads")
        XCTAssertThrowsError(try config(minimal("gemma"))) { error in
            XCTAssertEqual(error as? ModelError, .unknownModelType(file: "config.json", modelType: "gemma", allowed: ["llama", "qwen2", "mistral"]))
        }
        XCTAssertThrowsError(try config("[1, 2]")) { error in
            XCTAssertEqual(error as? ModelError, .unreadableConfig(file: "config.json", reason: "not a JSON object"))
        }
        XCTAssertThrowsError(try config(minimal("llama", #", "rope_scaling": {"rope_type": "yarn"}"#))) { error in
            XCTAssertTrue(String(describing: error).contains("config.json: config field 'rope_scaling.rope_type': 'yarn' is not supported"), "\(error)")
        }
    }

    /// config.json comes back as it was read, fields this code does not use included, with the
    /// dtype of the weights written (F32).
    func testWritesBackTheFieldsItWasReadWith() throws {
        let url = LlamaFixture.file("llama-tiny-llama3", "config.json")
        let original = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains(#""dtype": "float32""#))
        let bf16 = Data(text.replacingOccurrences(of: #""dtype": "float32""#, with: #""dtype": "bfloat16""#).utf8)
        let config = try LlamaConfig(configJSON: bf16, file: nil)
        let written = try JSONDecoder().decode(JSONValue.self, from: config.configJSON())
        XCTAssertEqual(written, original)
        XCTAssertEqual(try LlamaConfig(configJSON: config.configJSON(), file: nil), config)
        XCTAssertEqual(try JSONDecoder().decode(LlamaConfig.self, from: config.configJSON()), config, "Codable reads what it writes")
        XCTAssertEqual(config, try LlamaFixture.config("llama-tiny-llama3"), "the same config whatever the stored dtype")
        // Through the registry, by model_type.
        XCTAssertEqual(try ModelRegistry.config(fromJSON: Data(contentsOf: url), file: url.path) as? LlamaConfig, config)
    }

    func testConfigsBuiltInCodeReadBack() throws {
        for modelType in LlamaConfig.modelTypes {
            let config = try LlamaConfig(modelType: modelType, vocabularySize: 257, hiddenSize: 64, intermediateSize: 96, layers: 3, heads: 4,
                                         keyValueHeads: 1, headSize: 20, maxPositions: 100, tieWordEmbeddings: false,
                                         ropeScaling: .linear(factor: 2), slidingWindow: modelType == "llama" ? nil : 7)
            let json = try JSONSerialization.jsonObject(with: config.configJSON()) as! [String: Any]
            XCTAssertEqual(json["torch_dtype"] as? String, "float32")
            XCTAssertEqual(json["head_dim"] as? Int, 20)
            XCTAssertEqual((json["rope_parameters"] as? [String: Any])?["rope_type"] as? String, "linear")
            XCTAssertEqual((json["rope_scaling"] as? [String: Any])?["factor"] as? Double, 2)
            XCTAssertEqual(try LlamaConfig(configJSON: config.configJSON(), file: nil), config)
            XCTAssertEqual(config.attentionWindows, modelType == "llama" ? [nil, nil, nil] : [7, 7, 7])
            XCTAssertEqual(config.endOfText, 256)
        }
        XCTAssertEqual(try LlamaConfig(modelType: "qwen2", vocabularySize: 9, hiddenSize: 8, intermediateSize: 8, layers: 1, heads: 2,
                                       maxPositions: 8).queryKeyValueBias, true)
        XCTAssertThrowsError(try LlamaConfig(modelType: "mistral", vocabularySize: 9, hiddenSize: 8, intermediateSize: 8, layers: 1, heads: 2,
                                             maxPositions: 8, attentionBias: true)) { error in
            guard case .invalidConfig(nil, "attention_bias", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }

    func testPresets() throws {
        let tiny = try LlamaConfig.preset("llama-tiny", vocabularySize: 257)
        XCTAssertEqual([tiny.layers, tiny.hiddenSize, tiny.heads, tiny.keyValueHeads, tiny.headSize, tiny.vocabularySize], [2, 64, 4, 2, 24, 257])
        XCTAssertNotEqual(tiny.headSize * tiny.heads, tiny.hiddenSize)

        let smol = try LlamaConfig.preset("smollm2-135m")
        XCTAssertEqual([smol.layers, smol.hiddenSize, smol.heads, smol.keyValueHeads, smol.headSize, smol.intermediateSize, smol.vocabularySize,
                        smol.maxPositions], [30, 576, 9, 3, 64, 1536, 49152, 2048])
        XCTAssertEqual(smol.ropeTheta, 1e5)
        XCTAssertEqual(smol.rmsNormEpsilon, 1e-5)
        XCTAssertTrue(smol.tieWordEmbeddings)
        XCTAssertEqual(smol.endOfText, 0)
        XCTAssertEqual(LlamaTensors.layout(smol).specs.reduce(0) { $0 + $1.count }, 134_515_008)
        XCTAssertEqual(try LlamaConfig.preset("smollm2-135m", vocabularySize: 257).endOfText, 256)

        let llama = try LlamaConfig.preset("llama3.2-1b")
        XCTAssertEqual([llama.layers, llama.hiddenSize, llama.heads, llama.keyValueHeads, llama.headSize, llama.intermediateSize,
                        llama.vocabularySize, llama.maxPositions], [16, 2048, 32, 8, 64, 8192, 128256, 2048])
        XCTAssertEqual(llama.ropeTheta, 5e5)
        XCTAssertEqual(llama.ropeScaling, .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192))
        XCTAssertEqual(LlamaTensors.layout(llama).specs.reduce(0) { $0 + $1.count }, 1_235_814_400)
        XCTAssertEqual(llama.endOfText, 128_001)

        XCTAssertTrue(ModelRegistry.presetNames.contains("smollm2-135m"))
        XCTAssertEqual(try ModelRegistry.preset("llama-tiny", vocabularySize: 257) as? LlamaConfig, tiny)
        XCTAssertThrowsError(try LlamaConfig.preset("llama-huge", vocabularySize: 257)) { error in
            XCTAssertEqual(error as? ModelError, .unknownPreset(name: "llama-huge", allowed: LlamaConfig.presetNames))
        }
    }

    /// The matrix products of a pass, counted from the shapes one by one.
    func testFLOPsCountTheProducts() throws {
        let config = try LlamaConfig(modelType: "mistral", vocabularySize: 50, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4,
                                     keyValueHeads: 2, headSize: 12, maxPositions: 64, slidingWindow: 5)
        let (b, t) = (3, 9)
        let perToken = 32 * (48 + 24 + 24) + 48 * 32 + 2 * 32 * 40 + 40 * 32
        let keys = (0..<t).reduce(0) { $0 + min($1 + 1, 5) }
        let expected = 2.0 * Double(b * t * (2 * perToken + 32 * 50)) + 4.0 * Double(2 * b * keys * 48)
        XCTAssertEqual(config.forwardFLOPs(batchSize: b, length: t), expected)
        XCTAssertEqual(config.decodeStepFLOPs(rows: 2, position: 7), 2 * (2.0 * Double(2 * perToken + 32 * 50) + 4.0 * Double(2 * 5 * 48)))
    }
}
