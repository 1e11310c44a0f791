import XCTest
@testable import CPOKit

/// A folder as transformers 5 `save_pretrained` writes it (a tiny random Llama with the Llama 3-style
/// tokenizer, made by launch/compare/make_saved_folder_fixture.py): only `tokenizer.json` and
/// `tokenizer_config.json` for a tokenizer. Every text command works from it, and the run folder
/// keeps its tokenizer files as they were.
final class ModelFolderSavedByTransformersTests: XCTestCase {
    private var folder: URL!
    private let model = TokenizerFixtures.folder.appendingPathComponent("llama3-style-saved-by-transformers").path

    override func setUpWithError() throws {
        folder = try TokenizerFixtures.temporaryFolder()
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testPromptsBeginWithTheTokenizersBOS() throws {
        let (_, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: model))
        let example = InstructionExample(text: InstructionText(instruction: "Say hi", response: "hi"), line: 1, tokenizer: tokenizer)
        XCTAssertEqual(example.promptIDs.first, 0, "<|begin_of_text|>")
        XCTAssertEqual(Array(example.promptIDs.dropFirst()), tokenizer.encode(PromptTemplate.render(instruction: "Say hi", context: "")))
        XCTAssertEqual(example.responseIDs, tokenizer.encode("hi") + [1], "the response ends with <|end_of_text|> and has no BOS")
    }

    func testTrainGenerateScoreAndEvaluateWithText() throws {
        let lines = [#"{"prompt": "Sort: 3 1 2", "response": "1 2 3"}"#, #"{"instruction": "Say hello", "context": "politely", "response": "Hello there."}"#]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path("text.jsonl"), atomically: true, encoding: .utf8)
        var result = try CPOCommand.run(["train", "--model", model, "--data", path("text.jsonl"), "--steps", "1", "--batch-size", "2",
                                         "--seq-len", "64", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(result.status, 0, result.output)
        let final = folder.appendingPathComponent("run/final")
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            XCTAssertEqual(try Data(contentsOf: final.appendingPathComponent(name)),
                           try Data(contentsOf: URL(fileURLWithPath: model).appendingPathComponent(name)), name)
        }

        result = try CPOCommand.run(["generate", "--model", final.path, "--prompt", "Hello", "--max-new-tokens", "4", "--greedy"])
        XCTAssertEqual(result.status, 0, result.output)
        // The generation is stdout's line; the output here also holds stderr's progress lines.
        XCTAssertTrue(result.output.split(separator: "\n").contains { $0.hasPrefix("Hello") }, result.output)

        result = try CPOCommand.run(["score", "--model", final.path, "--input", path("text.jsonl"), "--output", path("scored.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        let (trained, tokenizer) = try ModelFolder.load(final)
        let examples = try InstructionFile.load(URL(fileURLWithPath: path("text.jsonl")), tokenizer: tokenizer)
        let expected = try SequenceScorer.score(model: trained, pairs: examples.map { ($0.promptIDs, $0.responseIDs) }, padding: tokenizer.endOfText)
        let scored = try String(contentsOfFile: path("scored.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for (line, score) in zip(scored, expected) { XCTAssertEqual(line["logprob"] as! Double, score.logProb, accuracy: 1e-9) }

        result = try CPOCommand.run(["eval", "--model", final.path, "--data", path("text.jsonl"), "--judge", "lm",
                                     "--judge-model-dir", model, "--max-new-tokens", "3", "--out", path("eval")])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try String(contentsOfFile: path("eval/evaluation.jsonl"), encoding: .utf8).split(separator: "\n").count, 2)

        // Another tokenizer folder for the same vocabulary, given explicitly.
        let tokenizerFolder = TokenizerHuggingFaceTests.folder("bytelevel-llama3-style").path
        result = try CPOCommand.run(["generate", "--model", final.path, "--tokenizer", tokenizerFolder, "--prompt", "Hi", "--max-new-tokens", "2"])
        XCTAssertEqual(result.status, 0, result.output)
    }
}
