import XCTest
@testable import CPOKit

/// A model folder as the hub often ships it, weights and config.json but no tokenizer files: token-id
/// inputs work everywhere, with end-of-text from config.json's `eos_token_id`; text inputs fail and
/// say which tokenizer files were looked for.
final class ModelFolderWithoutTokenizerTests: XCTestCase {
    private var folder: URL!
    private let config = GPT2Config(vocabularySize: 61, maxPositions: 32, channels: 16, layers: 1, heads: 2)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-tokenizer-\(UUID())")
        let model = try GPT2(config: config, seed: 4)
        try CheckpointFolder(url: folder.appendingPathComponent("model")).write(
            config: config, layout: model.layout, parameters: model.parameters,
            tokenizer: TokenIDsOnly(vocabularySize: 61, endOfText: 60, reason: "none"))
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    private func write(_ lines: [String], to name: String) throws { try (lines.joined(separator: "\n") + "\n").write(toFile: path(name), atomically: true, encoding: .utf8) }

    func testTheFolderHasNoTokenizerFilesAndLoadsWithConfigsEndOfText() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: path("model"))
        XCTAssertFalse(files.contains { $0.hasPrefix("tokenizer") || $0 == "vocab.json" || $0 == "merges.txt" }, "\(files)")
        let (_, tokenizer) = try ModelFolder.load(folder.appendingPathComponent("model"))
        XCTAssertEqual(tokenizer.endOfText, 60)
        XCTAssertEqual(tokenizer.vocabularySize, 61)
        XCTAssertNotNil(tokenizer.textUnavailable)
    }

    /// Issue 14's `--tokenizer byte` on a model that ends texts elsewhere: refused, naming both ids.
    func testAGivenTokenizerMustEndTextsWhereTheModelDoes() throws {
        let model = folder.appendingPathComponent("model")
        XCTAssertNoThrow(try ModelFolder.load(model, tokenizer: TokenIDsOnly(vocabularySize: 61, endOfText: 60, reason: "same")))
        XCTAssertThrowsError(try ModelFolder.load(model, tokenizer: TokenIDsOnly(vocabularySize: 61, endOfText: 0, reason: "other"))) { error in
            XCTAssertTrue("\(error)".contains("\(model.path)/config.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("eos_token_id") && "\(error)".contains("is 60, but the tokenizer given ends a text with token 0"), "\(error)")
        }
        try write([#"{"prompt": "a", "response": "b"}"#], to: "text.jsonl")
        let result = try CPOCommand.run(["score", "--model", path("model"), "--tokenizer", "byte", "--input", path("text.jsonl"),
                                         "--output", path("text-scored.jsonl")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("is 60, but the tokenizer given ends a text with token 256"), result.output)
    }

    func testScoreGenerateAndTrainTakeTokenIDs() throws {
        try write([#"{"prompt_ids": [1, 2, 3], "response_ids": [4, 5, 60]}"#, #"{"prompt_ids": [7], "response_ids": [8]}"#], to: "ids.jsonl")
        var result = try CPOCommand.run(["score", "--model", path("model"), "--input", path("ids.jsonl"), "--output", path("scored.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        let (model, _) = try ModelFolder.load(folder.appendingPathComponent("model"))
        let expected = try SequenceScorer.score(model: model, pairs: [([1, 2, 3], [4, 5, 60]), ([7], [8])], padding: 60)
        let scored = try String(contentsOfFile: path("scored.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // Foundation's JSON writes Doubles to 15–16 digits, not always the shortest round trip.
        for (line, score) in zip(scored, expected) { XCTAssertEqual(line["logprob"] as! Double, score.logProb, accuracy: 1e-12) }

        result = try CPOCommand.run(["generate", "--model", path("model"), "--input", path("ids.jsonl"), "--max-new-tokens", "3",
                                     "--greedy", "--output", path("generated.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)

        result = try CPOCommand.run(["train", "--model", path("model"), "--data", path("ids.jsonl"), "--steps", "1", "--batch-size", "2",
                                     "--seq-len", "8", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertNoThrow(try ModelFolder.load(folder.appendingPathComponent("run/final")))
    }

    /// eval on token ids: the lm judge scores them (its folder needs no tokenizer either); a judge
    /// of texts is refused before anything is generated.
    func testEvalOnTokenIDsWithTheLMJudge() throws {
        try write([#"{"prompt_ids": [1, 2, 3], "response_ids": [4, 5, 60]}"#, #"{"prompt_ids": [7], "response_ids": [8]}"#], to: "ids.jsonl")
        var result = try CPOCommand.run(["eval", "--model", path("model"), "--data", path("ids.jsonl"), "--judge", "lm",
                                         "--judge-model-dir", path("model"), "--max-new-tokens", "3", "--out", path("eval")])
        XCTAssertEqual(result.status, 0, result.output)
        let records = try String(contentsOfFile: path("eval/evaluation.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 2)
        XCTAssertTrue(records[0].contains("generation_mean_logprob"), String(records[0]))

        result = try CPOCommand.run(["eval", "--model", path("model"), "--data", path("ids.jsonl"), "--judge", "http",
                                     "--judge-url", "http://127.0.0.1:9", "--judge-model", "m", "--out", path("eval-http")])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("the http judge reads texts, and the model has token ids only"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("eval-http/summary.json")))
    }

    func testTextInputsSayWhichTokenizerFilesWereLookedFor() throws {
        try write([#"{"prompt": "hi", "response": "there"}"#], to: "text.jsonl")
        for arguments in [["score", "--input", path("text.jsonl"), "--output", path("out.jsonl")], ["generate", "--prompt", "hi", "--max-new-tokens", "3"]] {
            let result = try CPOCommand.run(arguments + ["--model", path("model")])
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains("tokenizer.json, vocab.json and merges.txt"), result.output)
            XCTAssertFalse(result.output.contains("Usage:"), result.output)
        }
    }
}
