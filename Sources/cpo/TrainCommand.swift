import ArgumentParser
import CPOKit
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model (MLE: next-token cross-entropy on the response).",
        discussion: """
            Start from --model DIR (a checkpoint) or --preset NAME (random weights). Data is --data FILE \
            (.jsonl: instruction pairs; other files: plain text) or a built-in --task. Every \
            hyper-parameter can also come from --config FILE.json, whose keys are the option names \
            (e.g. "batch-size" or "batch_size"); flags given on the command line win.
            """)

    @Option(help: "Objective: mle.") var objective: String?
    @Option(help: "Start from this model folder (config.json, model.safetensors, tokenizer).") var model: String?
    @Option(help: "Start from random weights of a preset: \(GPT2Config.presetNames.joined(separator: ", ")).") var preset: String?
    @Option(help: "Tokenizer: 'byte' or a folder with vocab.json + merges.txt (default: the model's; byte with --preset).")
    var tokenizer: String?
    @Option(help: "Training data: JSONL (instruction/context/response or prompt/response) or plain text.") var data: String?
    @Option(help: "Train on a built-in task instead of --data: \(SyntheticTasks.names.joined(separator: ", ")).") var task: String?
    @Option(help: "Examples generated for --task.") var taskCount = 20000
    @Option(help: "Optimizer steps (default 1000).") var steps: Int?
    @Option(help: "Examples per optimizer step, across all ranks (default 16).") var batchSize: Int?
    @Option(help: "Longest training row in tokens (default 128).") var seqLen: Int?
    @Option(help: "Peak learning rate (default 3e-4).") var learningRate: Double?
    @Option(help: "Linear warm-up steps before cosine decay (default 50).") var warmupSteps: Int?
    @Option(help: "Final learning rate as a share of the peak (default 0.1).") var minLrRatio: Double?
    @Option(help: "AdamW weight decay on matrices and embeddings (default 0.1).") var weightDecay: Double?
    @Option(help: "Largest global gradient norm; 0 disables clipping (default 1).") var gradClip: Double?
    @Option(help: "Micro-batches per step; must divide --batch-size (default 1).") var gradAccumulation: Int?
    @Option(help: "Seed for initialisation, data order and the held-out split (default 1234).") var seed: UInt64?
    @Option(help: "Write a checkpoint every N steps; 0: only the final model (default 0).") var saveEvery: Int?
    @Option(help: "Evaluate on held-out data every N steps; 0: only at the end (default 0).") var evalEvery: Int?
    @Option(help: "Share of the data held out for evaluation (default 0.05).") var validFraction: Double?
    @Option(help: "Checkpoints kept in the run folder; 0 keeps all (default 3).") var keepCheckpoints: Int?
    @Option(help: "Hyper-parameters as a JSON object with the option names as keys.") var config: String?
    @Option(help: "Run folder: metrics.jsonl, checkpoint-STEP/, final/.") var out: String
    @Flag(help: "Continue from the newest complete checkpoint in --out.") var resume = false
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        if (model == nil) == (preset == nil) { throw ValidationError("give exactly one of --model DIR and --preset NAME") }
        if (data == nil) == (task == nil) { throw ValidationError("give exactly one of --data FILE and --task NAME") }
        if taskCount < 2 { throw ValidationError("--task-count must be at least 2, got \(taskCount)") }
    }

    func resolvedOptions() throws -> TrainingOptions {
        var options = try config.map { try TrainingOptions.load(configFile: URL(fileURLWithPath: $0)) } ?? TrainingOptions()
        if let objective { options.objective = objective }
        if let steps { options.steps = steps }
        if let batchSize { options.batchSize = batchSize }
        if let seqLen { options.seqLen = seqLen }
        if let learningRate { options.learningRate = learningRate }
        if let warmupSteps { options.warmupSteps = warmupSteps }
        if let minLrRatio { options.minLrRatio = minLrRatio }
        if let weightDecay { options.weightDecay = weightDecay }
        if let gradClip { options.gradClip = gradClip }
        if let gradAccumulation { options.gradAccumulation = gradAccumulation }
        if let seed { options.seed = seed }
        if let saveEvery { options.saveEvery = saveEvery }
        if let evalEvery { options.evalEvery = evalEvery }
        if let validFraction { options.validFraction = validFraction }
        if let keepCheckpoints { options.keepCheckpoints = keepCheckpoints }
        try options.validate()
        return options
    }

    func run() throws {
        try threadOptions.apply()
        let options = try resolvedOptions()
        let explicitTokenizer = try tokenizer.map { try TokenizerFolder.resolve($0) }
        let model: GPT2, tokenizer: any Tokenizer
        if let folder = self.model {
            (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: folder), tokenizer: explicitTokenizer)
        } else {
            tokenizer = explicitTokenizer ?? ByteTokenizer()
            let config = try GPT2Config.preset(preset!, vocabularySize: tokenizer.vocabularySize)
            model = try GPT2(config: config, seed: options.seed)
        }
        let builtInTask = try task.map { try SyntheticTasks.named($0) }
        let trainingSet: TrainingSet
        if let builtInTask {
            trainingSet = .synthetic(builtInTask, count: taskCount, seed: options.seed, tokenizer: tokenizer)
        } else {
            trainingSet = try TrainingSet.load(URL(fileURLWithPath: data!), tokenizer: tokenizer, seqLen: options.seqLen)
        }
        let communicator = try worldCommunicator()
        let trainer = try Trainer(model: model, tokenizer: tokenizer, data: trainingSet, task: builtInTask, options: options,
                                  runDirectory: URL(fileURLWithPath: out), communicator: communicator, resume: resume)
        let progress = ProgressLine()
        let parameterCount = model.layout.specs.reduce(0) { $0 + $1.count }
        if communicator.rank == 0 {
            progress.note("model: \(parameterCount.formatted()) parameters; data: \(trainingSet.count) examples; \(options.steps) steps of \(options.batchSize)")
        }
        try trainer.run { report in
            guard communicator.rank == 0 else { return }
            switch report {
            case let .resumed(step, folder): progress.note("resuming at step \(step) from \(folder.path)")
            case let .noCheckpointToResume(folder): progress.note("no complete checkpoint in \(folder.path): starting from step 0")
            case let .step(m):
                progress.update(String(format: "step %d/%d | loss %.4f | lr %.2e | %.0f tok/s | %@ elapsed | ETA %@",
                                       m.step, m.totalSteps, m.loss, m.learningRate, m.tokensPerSecond,
                                       ProgressLine.duration(m.elapsed), ProgressLine.duration(m.remaining)))
            case let .evaluated(e):
                var line = String(format: "eval at step %d: held-out loss %.4f on %d examples", e.step, e.loss, e.examples)
                if let accuracy = e.accuracy { line += String(format: ", exact-match accuracy %.1f%% on %d prompts", 100 * accuracy, e.accuracyExamples) }
                progress.note(line)
            case let .saved(folder): progress.note("saved \(folder.path)")
            }
        }
        progress.finish()
        try MPICommunicator.finalize()
    }
}
