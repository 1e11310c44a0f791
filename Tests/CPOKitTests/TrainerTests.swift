import XCTest
@testable import CPOKit

final class TrainerTests: XCTestCase {
    private var folders: [URL] = []

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID())")
        folders.append(url)
        return url
    }

    /// A model small enough that a debug build trains it in seconds.
    private func smallModel(seed: UInt64 = 7) throws -> GPT2 {
        try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: 96, channels: 32, layers: 1, heads: 2), seed: seed)
    }

    private func options(steps: Int) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = steps
        options.batchSize = 4
        options.seqLen = 96
        options.learningRate = 3e-3
        options.warmupSteps = min(2, steps - 1)
        options.validFraction = 0.1
        options.saveEvery = 0
        return options
    }

    private func data() -> TrainingSet { .synthetic(LettersTask.copy, count: 40, seed: 3, tokenizer: ByteTokenizer()) }

    func testResumeGivesBitwiseIdenticalWeights() throws {
        let run = temporaryFolder()
        var options = options(steps: 6)
        options.saveEvery = 3
        let straight = try smallModel()
        try Trainer(model: straight, tokenizer: ByteTokenizer(), data: data(), task: nil, options: options, runDirectory: run).run()
        XCTAssertTrue(CheckpointFolder(step: 3, in: run).isComplete)
        try FileManager.default.removeItem(at: CheckpointFolder(step: 6, in: run).url)

        // A second process resumes the same run from checkpoint-3, as after a crash in step 4.
        let resumedModel = try smallModel(seed: 99)
        let resumed = try Trainer(model: resumedModel, tokenizer: ByteTokenizer(), data: data(), task: nil, options: options,
                                  runDirectory: run, resume: true)
        XCTAssertEqual(resumed.step, 3)
        try resumed.run()
        XCTAssertEqual(resumedModel.parameters.toArray(), straight.parameters.toArray(), "resumed weights differ from the straight run")
        let steps = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .map { $0["step"] as! Int }
        XCTAssertEqual(steps, [1, 2, 3, 4, 5, 6], "every step is logged once across the resume")
    }

    /// `--resume` continues only the run that saved the checkpoint, and only to a step it has not passed;
    /// a trainer_state.json whose step is not the folder's is refused, naming the file.
    func testResumeRefusesAnotherRunOrAnImpossibleState() throws {
        let run = temporaryFolder()
        var options = options(steps: 4)
        options.saveEvery = 2
        try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: nil, options: options, runDirectory: run).run()
        func resume(_ options: TrainingOptions) throws {
            _ = try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: nil, options: options,
                            runDirectory: run, resume: true)
        }
        var other = options
        other.learningRate = 1e-3
        other.beta = 0.5
        XCTAssertThrowsError(try resume(other)) { error in
            guard case let .resumeMismatch(_, differences) = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(differences, ["--learning-rate 0.001 (saved 0.003)", "--beta 0.5 (saved 0.1)"])
        }
        var longer = options
        longer.steps = 10
        longer.saveEvery = 5
        longer.keepCheckpoints = 1
        XCTAssertNoThrow(try resume(longer), "how long, how often to save and how many to keep may change")
        var shorter = options
        shorter.steps = 1
        shorter.warmupSteps = 0
        XCTAssertThrowsError(try resume(shorter)) { XCTAssertTrue("\($0)".contains("--steps 1 is below step 4"), "\($0)") }

        let state = CheckpointFolder(step: 4, in: run).url.appendingPathComponent(CheckpointFolder.trainerStateFile)
        let text = try String(contentsOf: state, encoding: .utf8)
        try text.replacingOccurrences(of: #""global_step" : 4"#, with: #""global_step" : -5"#).write(to: state, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try String(contentsOf: state, encoding: .utf8), text, "the state was edited")
        let passedOver = try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: nil, options: options,
                                     runDirectory: run, resume: true)
        XCTAssertEqual(passedOver.step, 2, "the edit breaks the checksum: the run falls back to the older checkpoint")
        try CheckpointFolder.Manifest.write(describing: CheckpointFolder(step: 4, in: run).url)
        XCTAssertThrowsError(try resume(options)) { error in
            guard case let .malformed(file, reason) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, state.path)
            XCTAssertTrue(reason.contains("global_step -5"), reason)
        }
    }

    /// A finished run ends with a checkpoint, so `--resume --steps N+M` extends it: N + M straight and
    /// N, then N + M resumed, give the same weights bit for bit — where the schedule does not depend on
    /// the total (no decay after the warm-up: a cosine over --steps has another rate at step N).
    func testAFinishedRunExtendsExactly() throws {
        var options = options(steps: 6)
        options.minLrRatio = 1
        let straight = try smallModel()
        try Trainer(model: straight, tokenizer: ByteTokenizer(), data: data(), task: nil, options: options, runDirectory: temporaryFolder()).run()

        let run = temporaryFolder()
        var first = options
        first.steps = 3
        try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: nil, options: first, runDirectory: run).run()
        XCTAssertTrue(CheckpointFolder(step: 3, in: run).isComplete, "the last step is a checkpoint with --save-every 0")
        let extended = try smallModel(seed: 99)
        let trainer = try Trainer(model: extended, tokenizer: ByteTokenizer(), data: data(), task: nil, options: options, runDirectory: run, resume: true)
        XCTAssertEqual(trainer.step, 3)
        try trainer.run()
        XCTAssertEqual(extended.parameters.toArray(), straight.parameters.toArray())
    }

    func testLossFallsOnASmallTask() throws {
        var options = options(steps: 40)
        options.evalEvery = 20
        let trainer = try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: LettersTask.copy,
                                  options: options, runDirectory: temporaryFolder())
        var losses: [Double] = [], evaluations: [EvaluationResult] = []
        try trainer.run { report in
            if case let .step(metrics) = report { losses.append(metrics.loss) }
            if case let .evaluated(result) = report { evaluations.append(result) }
        }
        XCTAssertEqual(losses.count, 40)
        XCTAssertLessThan(losses.suffix(5).reduce(0, +) / 5, 0.7 * losses.prefix(5).reduce(0, +) / 5)
        XCTAssertEqual(evaluations.map(\.step), [20, 40])
        XCTAssertLessThan(evaluations[1].loss, evaluations[0].loss)
        XCTAssertNotNil(evaluations[1].accuracy)
        XCTAssertTrue(FileManager.default.fileExists(atPath: trainer.runDirectory.appendingPathComponent("final/model.safetensors").path))
    }

    func testFinalFolderLoadsBackAsTheSameModel() throws {
        let model = try smallModel()
        let final = try Trainer(model: model, tokenizer: ByteTokenizer(), data: data(), task: nil, options: options(steps: 2),
                                runDirectory: temporaryFolder()).run()
        let (loaded, tokenizer) = try ModelFolder.load(final)
        XCTAssertEqual(loaded.parameters.toArray(), model.parameters.toArray())
        XCTAssertTrue(loaded.config.isSame(as: model.config))
        XCTAssertEqual(tokenizer.vocabularySize, 257)
    }

    /// Two micro-batches of a step add up to the gradient of the step's whole batch: the mean token
    /// loss is weighted by the whole batch's token count in both. The rows of each product change,
    /// so sgemm's sums change order (`SummationOrder`). Compared before AdamW, which divides each
    /// gradient by its own running size and so blows last-bit differences of near-zero gradients
    /// up to the learning rate.
    func testGradientAccumulationMatchesOneBigBatch() throws {
        let model = try smallModel(), batch = Array(0 ..< 8)
        let objective = MaximumLikelihood(model: model, data: data(), seqLen: 96, padding: ByteTokenizer().endOfText)
        func gradients(microBatches: Int) throws -> (loss: Double, gradients: [Float]) {
            model.gradients.zero()
            let step = try objective.accumulateGradients(step: 0, batch: batch, microBatches: microBatches, exchange: .alone)
            return (step.loss, model.gradients.toArray())
        }
        let whole = try gradients(microBatches: 1), split = try gradients(microBatches: 2), four = try gradients(microBatches: 4)
        XCTAssertEqual(split.loss, whole.loss, accuracy: 1e-6 * whole.loss)
        XCTAssertEqual(four.loss, whole.loss, accuracy: 1e-6 * whole.loss)
        SummationOrder.assertAgree(split.gradients, whole.gradients, layout: model.layout, "2 micro-batches")
        SummationOrder.assertAgree(four.gradients, whole.gradients, layout: model.layout, "4 micro-batches")
    }

    func testInvalidHyperParametersNameTheOption() {
        let cases: [(WritableKeyPath<TrainingOptions, Double>, Double, String)] = [
            (\.learningRate, 0, "learning-rate"), (\.learningRate, .nan, "learning-rate"), (\.weightDecay, -1, "weight-decay"),
            (\.gradClip, -0.5, "grad-clip"), (\.adamBeta1, 1, "adam-beta1"), (\.validFraction, 1, "valid-fraction"),
        ]
        for (path, value, option) in cases {
            var options = TrainingOptions()
            options[keyPath: path] = value
            XCTAssertThrowsError(try options.validate()) { error in
                XCTAssertEqual((error as? OptionError)?.option, option)
            }
        }
        var options = TrainingOptions()
        options.batchSize = 6
        options.gradAccumulation = 4
        XCTAssertThrowsError(try options.validate()) { XCTAssertEqual(($0 as? OptionError)?.option, "grad-accumulation") }
        options = TrainingOptions()
        options.steps = 0
        XCTAssertThrowsError(try options.validate()) { XCTAssertEqual(($0 as? OptionError)?.option, "steps") }
    }

    func testSequenceLengthBeyondTheModelIsRejected() throws {
        var options = options(steps: 1)
        options.seqLen = 97
        XCTAssertThrowsError(try Trainer(model: try smallModel(), tokenizer: ByteTokenizer(), data: data(), task: nil,
                                         options: options, runDirectory: temporaryFolder())) {
            XCTAssertEqual(($0 as? OptionError)?.option, "seq-len")
        }
    }

    func testConfigFileKeysAndErrors() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = folder.appendingPathComponent("good.json")
        try Data(#"{"batch-size": 8, "learning_rate": 0.01, "seed": 5}"#.utf8).write(to: good)
        let options = try TrainingOptions.load(configFile: good).options
        XCTAssertEqual(options.batchSize, 8)
        XCTAssertEqual(options.learningRate, 0.01)
        XCTAssertEqual(options.seed, 5)
        XCTAssertEqual(options.steps, TrainingOptions().steps)

        let misspelt = folder.appendingPathComponent("misspelt.json")
        try Data(#"{"batchsize": 8}"#.utf8).write(to: misspelt)
        XCTAssertThrowsError(try TrainingOptions.load(configFile: misspelt)) { error in
            XCTAssertTrue("\(error)".contains("misspelt.json") && "\(error)".contains("batchsize"), "\(error)")
        }
        let wrongType = folder.appendingPathComponent("type.json")
        try Data(#"{"steps": "many"}"#.utf8).write(to: wrongType)
        XCTAssertThrowsError(try TrainingOptions.load(configFile: wrongType)) { error in
            XCTAssertTrue("\(error)".contains("steps"), "\(error)")
        }
    }

    func testTokenizerLargerThanTheModelIsRejected() throws {
        let config = GPT2Config(vocabularySize: 100, maxPositions: 16, channels: 16, layers: 1, heads: 2)
        XCTAssertThrowsError(try ModelFolder.checkVocabulary(ByteTokenizer(), fits: config, source: "model")) { error in
            XCTAssertTrue("\(error)".contains("vocab_size"), "\(error)")
        }
    }
}

/// `--save-dtype` and `--max-shard-size`: final/ is exported as the hub ships models, checkpoints
/// stay F32 (sharded alike) so a run resumes exactly.
final class TrainerExportTests: XCTestCase {
    private var run: URL!

    override func setUp() { run = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID())") }
    override func tearDown() { try? FileManager.default.removeItem(at: run) }

    func testFinalIsShardedBF16AndCheckpointsShardedF32() throws {
        let model = try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: 48, channels: 32, layers: 1, heads: 2), seed: 7)
        var options = TrainingOptions()
        (options.steps, options.batchSize, options.seqLen, options.warmupSteps, options.validFraction, options.saveEvery) = (2, 4, 48, 0, 0, 1)
        (options.saveDtype, options.maxShardSize) = ("bf16", "20KB")
        try Trainer(model: model, tokenizer: ByteTokenizer(), data: .synthetic(LettersTask.copy, count: 20, seed: 3, tokenizer: ByteTokenizer()),
                    task: nil, options: options, runDirectory: run).run()
        let final = run.appendingPathComponent("final")
        let weights = try ModelWeights(folder: final)
        XCTAssertTrue(weights.isSharded)
        XCTAssertGreaterThan(weights.files.count, 2)
        XCTAssertTrue(weights.tensorNames.allSatisfy { weights.entry($0)?.dtype == .bf16 })
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: final.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual(config["torch_dtype"] as? String, "bfloat16")
        // Read back as Float, the export is the trained weights rounded to BF16 (within half a BF16 step).
        let (loaded, _) = try ModelFolder.load(final)
        for (a, b) in zip(loaded.parameters.toArray(), model.parameters.toArray()) { XCTAssertLessThanOrEqual(abs(a - b), abs(b) / 256 + 1e-38) }
        XCTAssertTrue(CheckpointFolder(url: final).isComplete)

        let checkpoint = CheckpointFolder(step: 1, in: run)
        XCTAssertTrue(checkpoint.isComplete)
        let saved = try ModelWeights(folder: checkpoint.url)
        XCTAssertTrue(saved.isSharded)
        XCTAssertTrue(saved.tensorNames.allSatisfy { saved.entry($0)?.dtype == .f32 })
    }

    func testBadExportOptionsNameTheOption() {
        for (dtype, size, option) in [("fp8", "5GB", "save-dtype"), ("f32", "5TB", "max-shard-size"), ("f32", "0", "max-shard-size")] {
            var options = TrainingOptions()
            (options.saveDtype, options.maxShardSize) = (dtype, size)
            XCTAssertThrowsError(try options.validate()) { XCTAssertEqual(($0 as? OptionError)?.option, option) }
        }
    }
}
