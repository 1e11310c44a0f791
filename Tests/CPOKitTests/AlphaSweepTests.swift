import XCTest
@testable import CPOKit

final class AlphaSweepTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testBestIsTheHighestWinRateAndEqualRatesGoToTheLargerAlpha() {
        XCTAssertEqual(AlphaSweep.bestIndex(alphas: [0, 0.3, 0.6, 1], winRates: [0.5, 0.7, 0.7, 0.6]), 2)
        XCTAssertEqual(AlphaSweep.bestIndex(alphas: [1, 0.6, 0.3, 0], winRates: [0.6, 0.7, 0.7, 0.5]), 1, "whatever the order swept")
        XCTAssertEqual(AlphaSweep.bestIndex(alphas: [0, 1], winRates: [0.1, nil]), 0, "nothing judged ranks last")
        XCTAssertEqual(AlphaSweep.bestIndex(alphas: [0, 1], winRates: [nil, nil]), 1)
    }

    func testInvalidAlphaListsAreRejected() {
        for alphas in [[], [0, 1.2], [0.5, 0.5]] {
            XCTAssertThrowsError(try AlphaSweep.validate(alphas: alphas)) { XCTAssertEqual(($0 as? OptionError)?.option, "alphas") }
        }
    }

    /// The CPO model answers "7", the MLE model "9": on `sort: 7` the CPO model is right.
    func testSweepKeepsTheAlphaWhoseEnsembleIsRight() throws {
        let mle = folder.appendingPathComponent("mle"), cpo = folder.appendingPathComponent("cpo")
        try ChainModelForTests.write(answer: "9", to: mle)
        try ChainModelForTests.write(answer: "7", to: cpo)
        let ensemble = try WeightEnsemble(mle: mle, cpo: cpo)
        // A wrong and a right reference: "7" wins the first and ties the second, "9" ties and loses.
        let examples = [EvaluationExample.forTests("sort: 7", reference: "8", line: 1), EvaluationExample.forTests("sort: 7", reference: "7", line: 2)]
        let out = folder.appendingPathComponent("out")
        var seen: [Double] = []
        let summary = try AlphaSweep.run(
            ensemble: ensemble, alphas: [0, 0.5, 1], out: out, judge: "verifier", data: "file.jsonl",
            evaluate: { model, _ in
                try Evaluation.run(model: model, tokenizer: ensemble.tokenizer, examples: examples, judge: VerifierJudge(),
                                   options: EvaluationOptions(sampling: SamplingOptions(greedy: true, maxNewTokens: 4)),
                                   communicator: SingleProcessCommunicator(), modelLabel: "ensemble", dataLabel: "file.jsonl")
            },
            evaluated: { alpha, _ in seen.append(alpha) })
        let sweep = try XCTUnwrap(summary)
        XCTAssertEqual(seen, [0, 0.5, 1])
        XCTAssertEqual(sweep.winRate[0], 0.75)
        XCTAssertEqual(sweep.winRate[2], 0.25)
        XCTAssertEqual(sweep.accuracy[0], 1)
        XCTAssertEqual(sweep.accuracy[2], 0)
        let top = sweep.winRate.compactMap { $0 }.max()!
        XCTAssertEqual(sweep.bestAlpha, zip(sweep.alphas, sweep.winRate).filter { $0.1 == top }.map(\.0).max())
        XCTAssertNotEqual(sweep.bestAlpha, 1)

        let written = try JSONDecoder().decode(AlphaSweepSummary.self, from: Data(contentsOf: out.appendingPathComponent(AlphaSweep.summaryFile)))
        XCTAssertEqual(written, sweep)
        let (best, _) = try ModelFolder.load(out.appendingPathComponent(AlphaSweep.ensembleFolder))
        XCTAssertEqual(best.parameters.toArray(), try ensemble.model(alpha: sweep.bestAlpha).parameters.toArray())
        for name in ["alpha-0", "alpha-0.5", "alpha-1"] {
            let records = try String(contentsOf: out.appendingPathComponent("\(name)/\(JudgedEvaluation.recordsFile)"), encoding: .utf8)
            XCTAssertEqual(records.split(separator: "\n").count, 2, name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/\(JudgedEvaluation.summaryFile)").path))
        }
        let table = try String(contentsOf: out.appendingPathComponent(AlphaSweep.tableFile), encoding: .utf8)
        let rows = table.split(separator: "\n")
        XCTAssertTrue(rows.contains { $0.hasPrefix("| 0 ") && $0.contains("| 0.750 [") && $0.hasSuffix("| 1.000 |") }, table)
        XCTAssertTrue(rows.contains { $0.hasPrefix("| \(String(format: "%g", sweep.bestAlpha)) (best) |") }, table)
    }
}
