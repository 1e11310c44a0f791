import XCTest
@testable import CPOKit

/// `cpo eval`, `cpo ensemble` and `cpo sweep-alpha` run as a user runs them, on models whose
/// answers are known (`ChainModelForTests`).
final class EvaluationCommandLineTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("eval-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func cpo(_ arguments: [String], ranks: Int = 1) throws -> (status: Int32, output: String) {
        let command = ranks == 1 ? [LaunchedJob.cpoBinary]
            : ["mpirun", "-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", LaunchedJob.cpoBinary]
        return try LaunchedJob.run(command + arguments, seconds: 300)
    }

    private func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name)))) as! [String: Any]
    }

    private func lines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The model answers "7": right and the reference wrong (win), both right (tie), itself wrong (loss).
    private func writeModelAndData() throws {
        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("model"))
        try ChainModelForTests.writeData([("sort: 7", "8"), ("sort: 7", "7"), ("sort: 3 1", "1 3")], to: folder.appendingPathComponent("data.jsonl"))
    }

    func testEvalWritesRecordsAndTheSummarySchema() throws {
        try writeModelAndData()
        let result = try cpo(["eval", "--model", path("model"), "--data", path("data.jsonl"), "--judge", "verifier", "--out", path("eval")])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("win rate 0.500"), result.output)

        let summary = try json("eval/summary.json")
        XCTAssertEqual(Set(summary.keys), ["model", "data", "judge", "examples", "wins", "ties", "losses", "invalid", "win_rate", "ci95",
                                           "accuracy", "reference_accuracy", "nll", "mean_length", "distinct_1", "distinct_2", "repetition_rate"])
        XCTAssertEqual(summary["judge"] as? String, "verifier")
        XCTAssertEqual(summary["data"] as? String, path("data.jsonl"))
        XCTAssertEqual(["examples", "wins", "ties", "losses", "invalid"].map { summary[$0] as? Int }, [3, 1, 1, 1, 0])
        XCTAssertEqual(summary["win_rate"] as? Double, 0.5)
        let interval = try XCTUnwrap(summary["ci95"] as? [Double])
        XCTAssertTrue(interval.count == 2 && interval[0] < 0.5 && interval[1] > 0.5, "\(interval)")
        XCTAssertEqual(try XCTUnwrap(summary["accuracy"] as? Double), 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary["reference_accuracy"] as? Double), 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(summary["mean_length"] as? Double, 1, "one token, then end-of-text")
        XCTAssertEqual(summary["distinct_1"] as? Double, 1.0 / 3.0)

        // The references' mean token NLL, recomputed here from the same model folder.
        let (model, tokenizer) = try ModelFolder.load(folder.appendingPathComponent("model"))
        let examples = try InstructionFile.load(folder.appendingPathComponent("data.jsonl"), tokenizer: tokenizer)
        let scores = try SequenceScorer.score(model: model, pairs: examples.map { ($0.promptIDs, $0.responseIDs) }, padding: tokenizer.endOfText)
        let expected = -scores.map(\.logProb).reduce(0, +) / Double(scores.map(\.tokenLogProbs.count).reduce(0, +))
        XCTAssertEqual(try XCTUnwrap(summary["nll"] as? Double), expected, accuracy: 1e-5 * expected)

        let records = try lines("eval/evaluation.jsonl")
        XCTAssertEqual(records.map { $0["generation"] as? String }, ["7", "7", "7"])
        XCTAssertEqual(records.map { $0["reference"] as? String }, ["8", "7", "1 3"])
        XCTAssertEqual(records.map { $0["verdict"] as? String }, ["win", "tie", "loss"])
        XCTAssertEqual(records.map { $0["line"] as? Int }, [1, 2, 3])
        XCTAssertTrue(records.allSatisfy { ($0["prompt"] as? String)?.hasPrefix("### Instruction:\nsort: ") == true })
        XCTAssertEqual((records[0]["judge"] as? [String: Any])?["generation_correct"] as? Bool, true)

        let limited = try cpo(["eval", "--model", path("model"), "--data", path("data.jsonl"), "--judge", "verifier", "--limit", "2",
                               "--out", path("limited")])
        XCTAssertEqual(limited.status, 0, limited.output)
        XCTAssertEqual(try json("limited/summary.json")["examples"] as? Int, 2)
    }

    /// Sampled from random weights, so every prompt gets its own continuation and a mix-up of
    /// examples between ranks would show.
    func testEvalOnTwoRanksMatchesOneRank() throws {
        let model = try GPT2(config: ChainModelForTests.config, seed: 3)
        try CheckpointFolder(url: folder.appendingPathComponent("model")).write(config: model.config, layout: model.layout,
                                                                               parameters: model.parameters, tokenizer: ByteTokenizer())
        try SyntheticDataFile.write(SortTask(), count: 5, seed: 1, to: folder.appendingPathComponent("data.jsonl"))
        let arguments = ["eval", "--model", path("model"), "--data", path("data.jsonl"), "--judge", "verifier", "--batch-size", "2",
                         "--no-greedy", "--max-new-tokens", "6", "--threads", "1", "--out"]
        let one = try cpo(arguments + [path("one")])
        XCTAssertEqual(one.status, 0, one.output)
        let two = try cpo(arguments + [path("two")], ranks: 2)
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(two.output.components(separatedBy: "win rate").count, 2, "rank 0 alone reports:\n\(two.output)")
        let (a, b) = (try lines("one/evaluation.jsonl"), try lines("two/evaluation.jsonl"))
        XCTAssertEqual(Set(a.map { $0["generation"] as! String }).count, 5, "distinct samples")
        for key in ["line", "generation", "verdict"] {
            XCTAssertEqual(a.map { "\($0[key]!)" }, b.map { "\($0[key]!)" }, key)
        }
        for (x, y) in zip(a, b) { XCTAssertEqual(x["reference_nll"] as! Double, y["reference_nll"] as! Double, accuracy: 1e-5) }
    }

    func testEnsembleAndSweepAlpha() throws {
        try ChainModelForTests.write(answer: "9", to: folder.appendingPathComponent("mle"))
        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("cpo"))
        try ChainModelForTests.writeData([("sort: 7", "8"), ("sort: 7", "7")], to: folder.appendingPathComponent("valid.jsonl"))

        let ensemble = try cpo(["ensemble", "--mle", path("mle"), "--cpo", path("cpo"), "--alpha", "0.25", "--out", path("mix")])
        XCTAssertEqual(ensemble.status, 0, ensemble.output)
        let expected = try WeightEnsemble(mle: folder.appendingPathComponent("mle"), cpo: folder.appendingPathComponent("cpo")).model(alpha: 0.25)
        XCTAssertEqual(try ModelFolder.load(folder.appendingPathComponent("mix")).model.parameters.toArray(), expected.parameters.toArray())

        let sweep = try cpo(["sweep-alpha", "--mle", path("mle"), "--cpo", path("cpo"), "--alphas", "0,1", "--data", path("valid.jsonl"),
                             "--judge", "verifier", "--out", path("sweep")])
        XCTAssertEqual(sweep.status, 0, sweep.output)
        let summary = try json("sweep/sweep.json")
        XCTAssertEqual(Set(summary.keys), ["alphas", "win_rate", "ci95", "accuracy", "best_alpha", "judge", "data"])
        XCTAssertEqual(summary["alphas"] as? [Double], [0, 1])
        XCTAssertEqual(summary["win_rate"] as? [Double], [0.75, 0.25])
        XCTAssertEqual(summary["accuracy"] as? [Double], [1, 0])
        XCTAssertEqual((summary["ci95"] as? [[Double]])?.count, 2)
        XCTAssertEqual(summary["best_alpha"] as? Double, 0)
        XCTAssertEqual(try json("sweep/alpha-1/summary.json")["win_rate"] as? Double, 0.25)
        XCTAssertEqual(try ModelFolder.load(folder.appendingPathComponent("sweep/ensemble")).model.parameters.toArray(),
                       try ModelFolder.load(folder.appendingPathComponent("cpo")).model.parameters.toArray())
        XCTAssertTrue(try String(contentsOfFile: path("sweep/sweep.md"), encoding: .utf8).contains("| 0 (best) | 0.750"))
    }

    func testErrorsSayWhatIsWrong() throws {
        try writeModelAndData()
        let base = ["eval", "--model", path("model"), "--data", path("data.jsonl"), "--out", path("eval")]
        var result = try cpo(base + ["--judge", "oracle"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("oracle") && result.output.contains("verifier, http, lm"), result.output)
        result = try cpo(base + ["--judge", "http", "--judge-url", "http://127.0.0.1:1"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--judge-model"), result.output)
        result = try cpo(base + ["--judge", "lm"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--judge-model-dir"), result.output)
        result = try cpo(base + ["--judge", "verifier", "--temperature", "0.7"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--no-greedy"), result.output)

        try ChainModelForTests.writeData([("sort: 7", "7"), ("Name a colour.", "Blue.")], to: folder.appendingPathComponent("mixed.jsonl"))
        result = try cpo(["eval", "--model", path("model"), "--data", path("mixed.jsonl"), "--judge", "verifier", "--out", path("eval")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("mixed.jsonl:2"), result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("eval/summary.json")))

        result = try cpo(["ensemble", "--mle", path("model"), "--cpo", path("model"), "--alpha", "2", "--out", path("mix")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--alpha") && result.output.contains("[0, 1]"), result.output)
    }
}
