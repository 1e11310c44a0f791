import XCTest
@testable import CPOKit

/// Every long phase shows progress on stderr, and results go to stdout, the same way in every
/// subcommand (issue 14, item 7). Outside a terminal the progress is plain lines, no carriage returns.
final class ProgressAndResultStreamsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("streams-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ChainModelForTests.write(answer: "9", to: folder.appendingPathComponent("mle"))
        try ChainModelForTests.write(answer: "7", to: folder.appendingPathComponent("cpo"))
        try ChainModelForTests.writeData([("sort: 7", "8"), ("sort: 7", "7"), ("sort: 3 1", "1 3")], to: folder.appendingPathComponent("data.jsonl"))
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Runs `arguments`, checks that stderr has each of `progress` and stdout each of `results`, and
    /// that no progress reached stdout.
    private func check(_ arguments: [String], progress: [String], results: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try CPOCommand.runKeepingStreamsApart(arguments)
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        for text in progress { XCTAssertTrue(run.stderr.contains(text), "\(arguments[0]) stderr lacks '\(text)':\n\(run.stderr)", file: file, line: line) }
        for text in results { XCTAssertTrue(run.stdout.contains(text), "\(arguments[0]) stdout lacks '\(text)':\n\(run.stdout)", file: file, line: line) }
        XCTAssertFalse(run.stdout.contains("elapsed"), "\(arguments[0]) stdout has progress:\n\(run.stdout)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("\r"), "\(arguments[0]): not a terminal, so plain lines", file: file, line: line)
    }

    func testEvalGenerateScoreAndSweepShowProgressOnStderrAndResultsOnStdout() throws {
        try check(["eval", "--model", path("cpo"), "--data", path("data.jsonl"), "--judge", "verifier", "--out", path("eval")],
                  progress: ["generating 0/3 prompts | 00:00 elapsed | ETA --:--", "generating 3/3 prompts", "scoring references 3/3 prompts",
                             "judging 3/3 examples"],
                  results: ["win rate 0.500", "wrote \(path("eval"))/evaluation.jsonl"])
        try check(["generate", "--model", path("cpo"), "--input", path("data.jsonl"), "--max-new-tokens", "4", "--greedy"],
                  progress: ["generating 0/3 prompts", "generating 3/3 prompts"],
                  results: ["### Instruction:\nsort: 3 1\n\n### Response:\n7\n"])
        try check(["score", "--model", path("cpo"), "--input", path("data.jsonl"), "--output", path("scored.jsonl")],
                  progress: ["scoring 0/3 rows", "scoring 3/3 rows"], results: ["wrote 3 scored rows"])
        try check(["sweep-alpha", "--mle", path("mle"), "--cpo", path("cpo"), "--alphas", "0,1", "--data", path("data.jsonl"),
                   "--judge", "verifier", "--out", path("sweep")],
                  progress: ["α = 0 (1 of 2): generating 3/3 prompts", "α = 1 (2 of 2): judging 3/3 examples"],
                  results: ["α = 0: win rate", "α = 1: win rate", "best α = 0"])
        try check(["data", "synth", "--task", "sort", "--count", "3", "--out", path("sort.jsonl")], progress: [],
                  results: ["wrote 3 sort examples"])
    }

    /// The held-out evaluation that ends a run is announced and followed; its result and final/ are
    /// the run's results.
    func testTrainShowsTheFinalEvaluationAndPrintsItsResults() throws {
        try check(["train", "--preset", "tiny", "--task", "sort", "--task-count", "20", "--steps", "1", "--batch-size", "2",
                   "--valid-fraction", "0.2", "--out", path("run")],
                  // 4 held-out rows, then the same 4 prompts for the verifier.
                  progress: ["model: ", "eval at step 1: 0/8 held-out examples", "eval at step 1: 8/8 held-out examples", "step 1/1 |"],
                  results: ["eval at step 1: held-out loss", "saved \(path("run"))/final"])
    }
}
