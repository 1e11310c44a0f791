import XCTest
@testable import CPOKit

/// `cpo generate` and `cpo score` on rows longer than the model's context, and their failures, as a
/// user meets them (issue 14, item 6).
final class GenerateAndScoreCommandLineTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("generate-score-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func records(_ name: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// A prompt beyond the 96 positions of `ChainModelForTests`, a row that fits, and a response beyond them.
    private let rows = [("sort: " + String(repeating: "3 ", count: 60) + "1", "1 3"), ("sort: 2 1", "1 2"),
                        ("sort: 2 1", String(repeating: "1 2 ", count: 40))]

    func testScoreCutsOverlongRowsAsTrainingDoesAndCountsThem() throws {
        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("model"))
        try ChainModelForTests.writeData(rows, to: folder.appendingPathComponent("rows.jsonl"))
        let result = try CPOCommand.runKeepingStreamsApart(["score", "--model", path("model"), "--input", path("rows.jsonl"),
                                                            "--output", path("scored.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: 2 of 3 rows (66.7 %) are longer than the model's context of 96 positions; "
                                             + "each was cut as training rows are"), result.stderr)
        XCTAssertEqual(result.stdout, "wrote 3 scored rows to \(path("scored.jsonl"))\n")

        let (model, tokenizer) = try ModelFolder.load(folder.appendingPathComponent("model"))
        let examples = try InstructionFile.load(folder.appendingPathComponent("rows.jsonl"), tokenizer: tokenizer)
        let scored = try records("scored.jsonl")
        for (example, record) in zip(examples, scored) {
            let cut = ContextCut(scoring: example.promptIDs, continuation: example.responseIDs, positions: 96)
            let expected = try SequenceScorer.score(model: model, pairs: [(cut.prompt, cut.continuation)], padding: tokenizer.endOfText)[0]
            XCTAssertEqual(record["logprob"] as! Double, expected.logProb, accuracy: 1e-4, "line \(example.line)")
            XCTAssertEqual((record["token_logprobs"] as! [Double]).count, cut.continuation.count, "line \(example.line)")
            XCTAssertEqual(record["prompt_tokens_cut"] as? Int, cut.isCut ? cut.promptTokensCut : nil, "line \(example.line)")
            XCTAssertEqual(record["response_tokens_cut"] as? Int, cut.isCut ? cut.continuationTokensCut : nil, "line \(example.line)")
        }
        XCTAssertEqual(scored.map { ($0["prompt_tokens_cut"] as? Int ?? 0) > 0 }, [true, false, false])
        XCTAssertEqual(scored.map { ($0["response_tokens_cut"] as? Int ?? 0) > 0 }, [false, false, true])
    }

    func testGenerateCutsAPromptLongerThanTheContextAndCountsIt() throws {
        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("model"))
        try ChainModelForTests.writeData(rows, to: folder.appendingPathComponent("rows.jsonl"))
        let result = try CPOCommand.runKeepingStreamsApart(["generate", "--model", path("model"), "--input", path("rows.jsonl"),
                                                            "--greedy", "--max-new-tokens", "8", "--output", path("out.jsonl")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let (_, tokenizer) = try ModelFolder.load(folder.appendingPathComponent("model"))
        let long = try InstructionFile.load(folder.appendingPathComponent("rows.jsonl"), tokenizer: tokenizer)[0].promptIDs
        let kept = SequenceFit(promptCount: long.count, continuationCount: 8, capacity: 97).promptKept
        XCTAssertTrue(result.stderr.contains("1 of 3 prompts (33.3 %) are longer than the model's context of 96 positions; "
                                             + "each keeps its last \(kept) tokens"), result.stderr)
        let generated = try records("out.jsonl")
        XCTAssertEqual(generated.map { $0["prompt_tokens_cut"] as? Int }, [long.count - kept, nil, nil])
        XCTAssertEqual(generated.map { $0["generation"] as? String }, ["7", "7", "7"], "the cut prompt still ends in the template's newline")
    }

    /// A failure while working on an input names its file and line, and exits 1 without the usage
    /// text, which stays for mistakes in the command line itself.
    func testRuntimeErrorsNameFileAndLineWithoutTheUsageBanner() throws {
        // A final LayerNorm bias of 3e38 on the channel where the answer's embedding is 2 makes that logit infinite.
        let model = try ChainModelForTests.model(answer: "7")
        model.layout.view("transformer.ln_f.bias", in: model.parameters)[0] = 3e38
        try CheckpointFolder(url: folder.appendingPathComponent("overflowing")).write(
            config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: ByteTokenizer())
        try Data("\n{\"prompt\": \"sort: 2 1\", \"response\": \"1 2\"}\n".utf8).write(to: folder.appendingPathComponent("prompts.jsonl"))
        let failing = [["generate", "--model", path("overflowing"), "--input", path("prompts.jsonl"), "--max-new-tokens", "4"],
                       ["eval", "--model", path("overflowing"), "--data", path("prompts.jsonl"), "--judge", "verifier", "--out", path("eval")]]
        for arguments in failing {
            let result = try CPOCommand.run(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments[0]): \(result.output)")
            XCTAssertTrue(result.output.contains("\(path("prompts.jsonl")):2: the model's next-token logits at generated token 1 are not finite"),
                          "\(arguments[0]): \(result.output)")
            XCTAssertFalse(result.output.contains("Usage:"), "\(arguments[0]): \(result.output)")
        }

        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("model"))
        try Data("{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"c\"}\n".utf8).write(to: folder.appendingPathComponent("bad.jsonl"))
        let score = ["score", "--model", path("model"), "--input", path("bad.jsonl"), "--output", path("scored.jsonl")]
        let malformed = try CPOCommand.run(score)
        XCTAssertEqual(malformed.status, 1, malformed.output)
        XCTAssertTrue(malformed.output.contains("bad.jsonl:2: missing field 'response'"), malformed.output)
        XCTAssertFalse(malformed.output.contains("Usage:"), malformed.output)
        let misused = try CPOCommand.run(score + ["--batch-size", "0"])
        XCTAssertEqual(misused.status, 64, misused.output)
        XCTAssertTrue(misused.output.contains("--batch-size must be at least 1") && misused.output.contains("Usage:"), misused.output)
    }
}
