import Foundation
import XCTest
@testable import CPOKit

final class GPT2ConfigTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testReadsHuggingFaceConfigIgnoringUnknownKeys() throws {
        let config = try GPT2Config.load(from: GPT2Fixture.file("config.json"))
        XCTAssertEqual(config.vocabularySize, 61)
        XCTAssertEqual(config.maxPositions, 32)
        XCTAssertEqual(config.channels, 48)
        XCTAssertEqual(config.layers, 2)
        XCTAssertEqual(config.heads, 4)
        XCTAssertNil(config.innerChannels)
        XCTAssertEqual(config.mlpChannels, 192)
        XCTAssertEqual(config.layerNormEpsilon, 1e-5)
        XCTAssertEqual(config.endOfTextID, 50256)
    }

    /// A hub config's fields that this code does not read are written back as they came; the dtype
    /// says what is written (F32); the folder's own dropout is kept (a preset's is 0, as trained here),
    /// and named as not applied for the start-up line.
    func testAFolderWrittenBackKeepsTheFieldsItCameWith() throws {
        let hub = #"{"model_type": "gpt2", "vocab_size": 61, "n_positions": 32, "n_embd": 16, "n_layer": 1, "n_head": 2,"#
            + #" "task_specific_params": {"text-generation": {"max_length": 50}}, "summary_type": "cls_index","#
            + #" "dtype": "bfloat16", "resid_pdrop": 0.1, "transformers_version": "5.24.0"}"#
        let config = try GPT2Config(configJSON: Data(hub.utf8), file: "hub/config.json")
        let model = try GPT2(config: config, seed: 1)
        let written = folder.appendingPathComponent("written")
        try CheckpointFolder(url: written).write(config: config, layout: model.layout, parameters: model.parameters, tokenizer: ByteTokenizer())
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: written.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual((json["task_specific_params"] as? [String: Any])?.keys.sorted(), ["text-generation"])
        XCTAssertEqual(json["summary_type"] as? String, "cls_index")
        XCTAssertEqual(json["transformers_version"] as? String, "5.24.0")
        XCTAssertEqual(json["dtype"] as? String, "float32")
        XCTAssertEqual(json["resid_pdrop"] as? Double, 0.1)
        XCTAssertNil(json["attn_pdrop"], "absent in the hub config, so absent when written back")
        XCTAssertEqual(config.dropoutNotApplied, ["resid_pdrop": 0.1])
        XCTAssertEqual(try GPT2Config.preset("tiny", vocabularySize: 257).dropoutNotApplied, [:])
        XCTAssertEqual(try GPT2Config.load(from: written.appendingPathComponent("config.json")), config)
    }

    func testSaveWritesTheFieldsTransformersNeedAndLoadsBack() throws {
        let config = try GPT2Config.preset("small", vocabularySize: 257)
        let url = folder.appendingPathComponent("config.json")
        try config.configJSON().write(to: url)
        XCTAssertEqual(try GPT2Config.load(from: url), config)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        XCTAssertEqual(json["model_type"] as? String, "gpt2")
        XCTAssertEqual(json["architectures"] as? [String], ["GPT2LMHeadModel"])
        XCTAssertEqual(json["activation_function"] as? String, "gelu_new")
        XCTAssertEqual(json["tie_word_embeddings"] as? Bool, true)
        XCTAssertTrue(json["n_inner"] is NSNull)
        XCTAssertEqual(json["n_embd"] as? Int, 256)
        XCTAssertEqual(json["eos_token_id"] as? Int, 256)
        for key in ["resid_pdrop", "embd_pdrop", "attn_pdrop"] { XCTAssertEqual(json[key] as? Double, 0, key) }
    }

    func testPresets() throws {
        let tiny = try GPT2Config.preset("tiny", vocabularySize: 257)
        XCTAssertEqual([tiny.layers, tiny.channels, tiny.heads, tiny.maxPositions], [2, 64, 4, 128])
        let small = try GPT2Config.preset("small", vocabularySize: 257)
        XCTAssertEqual([small.layers, small.channels, small.heads, small.maxPositions], [4, 256, 4, 256])
        let gpt2 = try GPT2Config.preset("gpt2-124m", vocabularySize: 50257)
        XCTAssertEqual([gpt2.layers, gpt2.channels, gpt2.heads, gpt2.maxPositions], [12, 768, 12, 1024])
        XCTAssertEqual(GPT2Tensors.layout(gpt2).specs.reduce(0) { $0 + $1.count }, 124_439_808)
        // The parameter counts of Hugging Face's gpt2-medium, gpt2-large and gpt2-xl.
        for (name, parameters) in [("gpt2-355m", 354_823_168), ("gpt2-774m", 774_030_080), ("gpt2-1558m", 1_557_611_200)] {
            XCTAssertEqual(GPT2Config.presetVocabularySize(name), 50257, name)
            let config = try GPT2Config.preset(name, vocabularySize: 50257)
            XCTAssertEqual(GPT2Tensors.layout(config).specs.reduce(0) { $0 + $1.count }, parameters, name)
        }
        XCTAssertThrowsError(try GPT2Config.preset("huge", vocabularySize: 257)) { error in
            XCTAssertEqual(error as? ModelError, .unknownPreset(name: "huge", allowed: GPT2Config.presetNames))
            XCTAssertTrue(String(describing: error).contains("tiny, small, gpt2-124m, gpt2-355m"))
        }
    }

    func testValidateNamesTheFieldAtFault() throws {
        func field(_ change: (inout GPT2Config) -> Void) throws -> String? {
            var config = try GPT2Config.preset("tiny", vocabularySize: 257)
            change(&config)
            do { try config.validate() } catch let ModelError.invalidConfig(_, field, _) { return field }
            return nil
        }
        XCTAssertNil(try field { _ in })
        XCTAssertEqual(try field { $0.heads = 5 }, "n_head")
        XCTAssertEqual(try field { $0.layers = 0 }, "n_layer")
        XCTAssertEqual(try field { $0.vocabularySize = -1 }, "vocab_size")
        XCTAssertEqual(try field { $0.innerChannels = 0 }, "n_inner")
        XCTAssertEqual(try field { $0.layerNormEpsilon = 0 }, "layer_norm_epsilon")
        XCTAssertEqual(try field { $0.activationFunction = "relu" }, "activation_function")
        XCTAssertEqual(try field { $0.tieWordEmbeddings = false }, "tie_word_embeddings")
        var invalid = try GPT2Config.preset("tiny", vocabularySize: 257)
        invalid.heads = 3
        XCTAssertThrowsError(try GPT2(config: invalid, seed: 0))
    }

    func testLoadErrorsNameTheFile() throws {
        let url = folder.appendingPathComponent("config.json")
        try Data(#"{"model_type": "llama", "vocab_size": 10}"#.utf8).write(to: url)
        XCTAssertThrowsError(try GPT2Config.load(from: url)) { error in
            XCTAssertEqual(error as? ModelError, .invalidConfig(file: url.path, field: "model_type", reason: "is 'llama', expected 'gpt2'"))
        }
        try Data(#"{"vocab_size": 10, "n_positions": 8, "n_embd": 8, "n_layer": 1}"#.utf8).write(to: url)
        XCTAssertThrowsError(try GPT2Config.load(from: url)) { error in
            XCTAssertEqual(error as? ModelError, .unreadableConfig(file: url.path, reason: "field 'n_head' is missing"))
        }
        try Data(#"{"vocab_size": 10, "n_positions": 8, "n_embd": 8, "n_layer": 1, "n_head": 3}"#.utf8).write(to: url)
        XCTAssertThrowsError(try GPT2Config.load(from: url)) { error in
            guard case .invalidConfig(url.path, "n_head", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }
}
