import XCTest
@testable import CPOKit

final class ContrastiveTrainingTests: XCTestCase {
    private var folders: [URL] = []

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cpo-\(UUID())")
        folders.append(url)
        return url
    }

    private let config = GPT2Config(vocabularySize: 257, maxPositions: 96, channels: 32, layers: 1, heads: 2)
    private func model() throws -> GPT2 { try GPT2(config: config, seed: 7) }
    private func data() -> TrainingSet { .synthetic(LettersTask.copy, count: 40, seed: 3, tokenizer: ByteTokenizer()) }

    private func options(_ objective: String, negatives: String = "tn", steps: Int = 2) -> TrainingOptions {
        var options = TrainingOptions()
        options.objective = objective
        options.negatives = negatives
        options.steps = steps
        options.batchSize = 4
        options.seqLen = 96
        options.learningRate = 1e-3
        options.warmupSteps = 0
        options.validFraction = 0.1
        options.beta = 1
        // The contrastive loss alone, so that its arithmetic is what the tests compare.
        options.nllWeight = 0
        return options
    }

    @discardableResult
    private func train(_ options: TrainingOptions, into model: GPT2? = nil) throws -> (GPT2, [[String: Any]]) {
        let policy = try model ?? self.model()
        let run = temporaryFolder()
        try Trainer(model: policy, reference: try self.model(), tokenizer: ByteTokenizer(), data: data(), task: nil,
                    options: options, runDirectory: run).run()
        let records = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        return (policy, records)
    }

    func testTwoCandidateCPOTrainsExactlyLikeDPO() throws {
        var cpo = options("cpo", negatives: "an")
        cpo.numCandidates = 2
        var dpo = options("dpo", negatives: "an")
        dpo.numCandidates = 2
        let (cpoModel, cpoMetrics) = try train(cpo)
        let (dpoModel, dpoMetrics) = try train(dpo)
        XCTAssertEqual(cpoModel.parameters.toArray(), dpoModel.parameters.toArray())
        XCTAssertEqual(cpoMetrics.map { $0["loss"] as! Double }, dpoMetrics.map { $0["loss"] as! Double })
        // At the first step π_θ = π_ref, so every reward is 0 and the DPO loss is log 2.
        XCTAssertEqual(dpoMetrics[0]["loss"] as! Double, log(2), accuracy: 1e-5)
    }

    /// A negative equal to its ground truth is left out of both models' passes and of the loss, so a
    /// run whose lines carry such a copy besides their real negative trains, bit for bit, as the run
    /// without the copies: the models see the same batches, the loss the same included rewards.
    func testADuplicateNegativeChangesNoBit() throws {
        guard case let .instructions(examples) = data() else { return XCTFail("instruction data expected") }
        func lines(withCopies: Bool) -> TrainingSet {
            .instructions(examples.enumerated().map { i, example in
                let other = examples[(i + 1) % examples.count].responseIDs
                return InstructionExample(promptIDs: example.promptIDs, responseIDs: example.responseIDs,
                                          negativeIDs: withCopies ? [example.responseIDs, other] : [other], line: example.line)
            })
        }
        func run(withCopies: Bool) throws -> (parameters: [Float], metrics: [[String: Any]]) {
            var options = options("cpo", negatives: "file")
            options.numCandidates = withCopies ? 3 : 2
            let policy = try model(), folder = temporaryFolder()
            try Trainer(model: policy, reference: try model(), tokenizer: ByteTokenizer(), data: lines(withCopies: withCopies), task: nil,
                        options: options, runDirectory: folder).run()
            let metrics = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            return (policy.parameters.toArray(), metrics)
        }
        let copied = try run(withCopies: true), plain = try run(withCopies: false)
        XCTAssertEqual(copied.metrics.map { $0["duplicate_negatives"] as! Double }, [4, 4])
        XCTAssertEqual(copied.metrics.map { $0["loss"] as! Double }, plain.metrics.map { $0["loss"] as! Double })
        XCTAssertEqual(copied.parameters, plain.parameters)
    }

    func testEveryNegativeKindTrainsAndLogsItsFigures() throws {
        for negatives in ["an", "bn", "mn", "tn", "an:2,bn:1,mn:1,tn:1"] {
            var options = options("cpo", negatives: negatives)
            options.rankNegatives = negatives.contains(",")
            let (_, metrics) = try train(options)
            XCTAssertEqual(metrics.count, 2, negatives)
            for key in ["loss", "reward_accuracy", "reward_margin", "lr", "tokens_per_s", "negative_length_mean",
                        "duplicate_negatives", "gt_token_logprob", "sampling_s", "reference_s", "forward_backward_s", "optimizer_s"] {
                XCTAssertNotNil(metrics[1][key], "\(negatives): \(key) missing")
            }
            XCTAssertTrue((metrics[1]["loss"] as! Double).isFinite, negatives)
        }
    }

    func testRewardAccuracyRisesOverTraining() throws {
        var options = options("cpo", negatives: "tn", steps: 16)
        options.learningRate = 3e-3
        let (_, metrics) = try train(options)
        let accuracy = metrics.map { $0["reward_accuracy"] as! Double }
        // π_θ starts equal to π_ref: every reward is 0 and no ground truth wins.
        XCTAssertEqual(accuracy[0], 0)
        XCTAssertGreaterThan(accuracy.suffix(4).reduce(0, +) / 4, 0.75, "reward accuracy \(accuracy)")
        XCTAssertLessThan(metrics.last!["loss"] as! Double, metrics[0]["loss"] as! Double)
    }

    func testParallelScheduledSamplingReplacesItsShare() throws {
        var options = options("pss", steps: 2)
        options.pssFraction = 0.5
        let (_, metrics) = try train(options)
        let replaced = metrics.map { $0["pss_replaced_fraction"] as! Double }
        for share in replaced { XCTAssertEqual(share, 0.5, accuracy: 0.15) }
    }

    func testInvalidContrastiveOptionsNameTheOption() throws {
        func rejects(_ change: (inout TrainingOptions) -> Void, option: String) throws {
            var options = options("cpo")
            change(&options)
            XCTAssertThrowsError(try train(options), option) { error in
                XCTAssertTrue("\(error)".contains("--\(option)"), "\(error)")
            }
        }
        try rejects({ $0.numCandidates = 1 }, option: "num-candidates")
        try rejects({ $0.beta = 0 }, option: "beta")
        try rejects({ $0.beta = -1 }, option: "beta")
        try rejects({ $0.nllWeight = -0.5 }, option: "nll-weight")
        try rejects({ $0.negatives = "an,xx" }, option: "negatives")
        try rejects({ $0.sampleFrom = "teacher" }, option: "sample-from")
        try rejects({ $0.negatives = "bn"; $0.numCandidates = 5 }, option: "batch-size")
        try rejects({ $0.objective = "dpo"; $0.numCandidates = 3 }, option: "num-candidates")
        try rejects({ $0.temperature = 0 }, option: "temperature")
        try rejects({ $0.topP = 2 }, option: "top-p")
    }
}
