import ArgumentParser
import CPOKit
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model: MLE, CPO, or the DPO and PSS baselines.",
        discussion: """
            Start from --model DIR (a checkpoint) or --preset NAME (random weights). Data is --data FILE \
            (JSONL, a JSON array of records, or plain text, told apart by the content; --data-format \
            overrides) or a built-in --task. Every \
            hyper-parameter can also come from --config FILE.json, whose keys are the option names \
            (e.g. "batch-size" or "batch_size"); flags given on the command line win.

            --objective cpo contrasts each ground truth with K − 1 negatives relative to the frozen \
            reference model (--ref, default: the starting weights): r_k = β (log π(y_k|x) − log π_ref(y_k|x)), \
            loss −r_1 + logsumexp r (or Plackett–Luce with --rank-negatives). Negatives: an \
            (sampled), bn (other examples' responses), mn (meanfield token swaps), tn (truncations), \
            file (the data's "negatives" or "rejected"), or a mix such as an:2,bn:1,tn:1. --objective dpo is K = 2 \
            with one negative; --objective pss is parallel scheduled sampling.
            """)

    @Option(help: "Objective: mle, cpo, dpo or pss (default mle).") var objective: String?
    @Option(help: "Start from this model folder (config.json, model.safetensors, tokenizer).") var model: String?
    @Option(help: "Start from random weights of a preset: \(ModelRegistry.presetNames.joined(separator: ", ")).") var preset: String?
    @Option(help: "With --preset: its context length in positions, n_positions (default: the preset's, e.g. 128 for tiny, 1024 for gpt2-124m).")
    var nPositions: Int?
    @Option(help: "Tokenizer: 'byte', or a folder with tokenizer.json (and tokenizer_config.json) or vocab.json + merges.txt (default: the model's; byte with --preset).")
    var tokenizer: String?
    @Option(help: "Training data: records (instruction/context/response, instruction/input/output, prompt/response, prompt/chosen/rejected or messages) as JSONL or a JSON array, or plain text.")
    var data: String?
    @Option(help: "How --data is read: auto (by its content: '{' opens JSONL, '[{' a JSON array of records, anything else is plain text), jsonl, json or text (default auto).")
    var dataFormat: String?
    @Option(help: "Train on a built-in task instead of --data: \(SyntheticTasks.names.joined(separator: ", ")).") var task: String?
    @Option(help: "Examples generated for --task (2 to \(SyntheticTasks.mostExamples.formatted())) (default 20000).") var taskCount: Int?
    @Option(help: "Optimizer steps (default 1000).") var steps: Int?
    @Option(help: "Examples per optimizer step, across all ranks (default 16).") var batchSize: Int?
    @Option(help: "Longest training row in tokens (default 128).") var seqLen: Int?
    @Option(help: "Peak learning rate (default 3e-4).") var learningRate: Double?
    @Option(help: "Linear warm-up steps before cosine decay; below --steps (default: a tenth of --steps, at most 50).") var warmupSteps: Int?
    @Option(help: "Final learning rate as a share of the peak (default 0.1).") var minLrRatio: Double?
    @Option(help: "AdamW weight decay on matrices and embeddings (default 0.1).") var weightDecay: Double?
    @Option(help: "Largest global gradient norm; 0 disables clipping (default 1).") var gradClip: Double?
    @Option(help: "Micro-batches per step; must divide each data group's share of --batch-size (default: the fewest that fit --activation-budget). Exact: the same sums as one pass.")
    var gradAccumulation: Int?
    @Option(help: "Most memory one micro-batch's passes may hold, e.g. 512MiB, 2GB; also whether generation packs a copy of the weights (only when it fits) (default 1GiB).")
    var activationBudget: String?
    @Option(help: "Seed for initialisation, data order and the held-out split (default 1234).") var seed: UInt64?
    @Option(help: "Write a checkpoint every N steps; 0: only after the last step (default 0). The last step always writes one, beside final/, so a finished run can be extended.") var saveEvery: Int?
    @Option(help: "Evaluate on held-out data every N steps; 0: only at the end (default 0).") var evalEvery: Int?
    @Option(help: "Share of the data held out for evaluation (default 0.05).") var validFraction: Double?
    @Option(help: "Checkpoints kept in the run folder; 0 keeps all (default 3).") var keepCheckpoints: Int?
    @Option(help: "Reference model π_ref for cpo/dpo (default: the starting weights, frozen).") var ref: String?
    @Option(help: "Candidates per example for cpo: the ground truth and K − 1 negatives (default 4; dpo: 2).") var numCandidates: Int?
    @Option(help: "β, the scale of the rewards (default 0.1, the best of the README's experiments).") var beta: Double?
    @Option(help: "Negatives: an, bn, mn, tn, file, or a mix like an:2,bn:1,tn:1 (default an).") var negatives: String?
    @Flag(help: "Plackett–Luce loss over negatives ranked by similarity to the ground truth.") var rankNegatives = false
    @Option(help: "Weight λ of the ground truth's mean token NLL added to the loss; 0 turns it off (default 1).") var nllWeight: Double?
    @Option(help: "Model that samples AN negatives: ref or policy (default ref).") var sampleFrom: String?
    @Option(help: "AN sampling temperature (default 1).") var temperature: Double?
    @Option(help: "AN sampling: keep the k most likely tokens; 0 keeps all (default 0).") var topK: Int?
    @Option(help: "AN sampling: nucleus probability; 1 keeps all (default 1).") var topP: Double?
    @Option(help: "AN sample length limit (default: the ground truth's length + 8).") var maxNewTokens: Int?
    @Option(help: "MN: share of the ground truth's tokens swapped (default 0.25).") var meanfieldFraction: Double?
    @Option(help: "PSS: share of response inputs replaced by the model's predictions (default 0.25).") var pssFraction: Double?
    @Option(help: "Ranks that share each data group's candidates; must divide the number of ranks (default 1).")
    var candidateShards: Int?
    @Option(help: "Sum gradients during the backward pass: auto (where a core is free for it), on or off (default auto).")
    var overlapAllreduce: String?
    @Option(help: "Dtype of final/'s weights: f32, or bf16/f16 for export; checkpoints stay f32 (default f32).") var saveDtype: String?
    @Option(help: "Weights above this size are written as shards plus model.safetensors.index.json: bytes, or e.g. 500MB, 5GB (default 5GB).")
    var maxShardSize: String?
    @Option(help: "Block activations: none (kept for the backward pass) or blocks (each block's output only; the backward pass recomputes the rest: bit-identical gradients, about one more forward pass) (default none).")
    var recompute: String?
    @Option(help: "Steps in a row whose loss or gradient norm is not finite (none is applied) before the run stops with an error (default 3).")
    var maxBadSteps: Int?
    @Option(help: "Signals that stop the run after the current step, with a checkpoint to --resume from and exit status 75: a list of TERM, INT, USR1, USR2, HUP, or none. A second signal ends it at once (default TERM,INT,USR1).")
    var stopSignals: String?
    @Option(help: """
        ZeRO stage over the ranks: 0 (every rank holds all gradients and AdamW moments), 1 (each rank holds and updates its 1/R \
        shard of the moments, then the ranks all-gather the parameters) or 2 (also reduce-scatters the gradients after each \
        backward pass, keeping only its shard of them). Same results as 0 to fp32 summation order (bit for bit on 2 ranks \
        without --grad-accumulation); checkpoints hold the whole moments and resume on any number of ranks. One rank is \
        stage 0 (default 2).
        """)
    var zero: Int?
    @Option(help: "Most positions whose logits exist at once: the LM head runs over the scored positions in chunks of this many, and CPO's backward pass computes each chunk's logits again (default: as many as fit 64 MiB, 333 rows of GPT-2).")
    var logitChunkRows: Int?
    @Option(help: "Options as a JSON object whose keys are the option names of train (\"batch-size\" or \"batch_size\"), model, data and out included; flags given on the command line win.")
    var config: String?
    @Option(help: "Run folder (required): metrics.jsonl, checkpoint-STEP/, final/.") var out: String?
    @Flag(help: "Continue the run in --out from its newest intact checkpoint (after its last step too, to extend it with a larger --steps); the run's settings must match.")
    var resume = false
    @Flag(help: "Empty --out first when it holds an earlier run (without it or --resume, a folder that is not empty is refused).")
    var overwrite = false
    @OptionGroup var threadOptions: ThreadOptions

    var examplesOfTask: Int { taskCount ?? 20000 }

    /// `--config`'s keys that name the job rather than a hyper-parameter, spelt with `_`.
    static let jobKeys: Set<String> = ["model", "preset", "n_positions", "tokenizer", "data", "data_format", "task", "task_count", "ref", "out",
                                       "resume", "overwrite", "stop_signals", "threads"]

    /// This command with `--config`'s job keys filled in where the command line gave none, checked,
    /// and the run's hyper-parameters: flags over the file over the defaults. `needsOut`: train
    /// writes a run folder, a plan does not.
    func resolved(needsOut: Bool = true) throws -> (job: TrainCommand, options: TrainingOptions) {
        var job = self
        var options = TrainingOptions()
        if let config {
            let file = try TrainingOptions.load(configFile: URL(fileURLWithPath: config), jobKeys: Self.jobKeys)
            options = file.options
            try job.fill(from: file.job, file: config)
        }
        try job.checkJob(needsOut: needsOut)
        return (job, try job.applyingFlags(to: options))
    }

    /// Sets each option the command line left out from the file's value for it.
    private mutating func fill(from keys: [String: JSONValue], file: String) throws {
        func text(_ key: String) throws -> String? {
            guard let value = keys[key] else { return nil }
            guard case let .string(text) = value else { throw ConfigFileError(file: file, reason: "key '\(key)' must be a string") }
            return text
        }
        func number(_ key: String) throws -> Int? {
            guard let value = keys[key] else { return nil }
            guard case let .integer(number) = value else { throw ConfigFileError(file: file, reason: "key '\(key)' must be a whole number") }
            return number
        }
        func flag(_ key: String) throws -> Bool {
            guard let value = keys[key] else { return false }
            guard case let .bool(flag) = value else { throw ConfigFileError(file: file, reason: "key '\(key)' must be true or false") }
            return flag
        }
        model = try model ?? text("model")
        preset = try preset ?? text("preset")
        nPositions = try nPositions ?? number("n_positions")
        tokenizer = try tokenizer ?? text("tokenizer")
        data = try data ?? text("data")
        dataFormat = try dataFormat ?? text("data_format")
        task = try task ?? text("task")
        taskCount = try taskCount ?? number("task_count")
        ref = try ref ?? text("ref")
        out = try out ?? text("out")
        stopSignals = try stopSignals ?? text("stop_signals")
        threadOptions.threads = try threadOptions.threads ?? number("threads")
        resume = try resume || flag("resume")
        overwrite = try overwrite || flag("overwrite")
    }

    private func checkJob(needsOut: Bool) throws {
        if (model == nil) == (preset == nil) { throw ValidationError("give exactly one of --model DIR and --preset NAME") }
        if (data == nil) == (task == nil) { throw ValidationError("give exactly one of --data FILE and --task NAME") }
        if dataFormat != nil && data == nil { throw ValidationError("--data-format says how --data is read; --task has no file") }
        _ = try givenDataFormat()
        if let nPositions {
            guard preset != nil else {
                throw ValidationError("--n-positions sets a preset's context; a --model folder has its own (n_positions or max_position_embeddings in its config.json)")
            }
            guard nPositions >= 2 else { throw ValidationError("--n-positions must be a whole number ≥ 2 (the positions of the model's context), got \(nPositions)") }
        }
        if !(2...SyntheticTasks.mostExamples).contains(examplesOfTask) {
            throw ValidationError("--task-count must be in 2...\(SyntheticTasks.mostExamples), got \(examplesOfTask): the examples are made in memory")
        }
        if needsOut && out == nil { throw ValidationError("Missing expected argument '--out <out>'") }
        if let out { try OutputFolder.check(URL(fileURLWithPath: out)) }
        if resume && overwrite { throw ValidationError("give at most one of --resume (continue the run in --out) and --overwrite (replace it)") }
    }

    /// `--data-format` as the reader takes it: nil for auto.
    func givenDataFormat() throws -> DataFormat? {
        guard let dataFormat, dataFormat != "auto" else { return nil }
        guard let format = DataFormat(rawValue: dataFormat) else {
            throw ValidationError("--data-format must be one of auto, \(DataFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(dataFormat)'")
        }
        return format
    }

    /// What the command line says the run trains, saved with its checkpoints for `--resume` to compare.
    func runIdentity() throws -> RunIdentity {
        // Folders as absolute paths: the same run resumed from another directory is the same run, and
        // a report can tell which run another one continues.
        func absolute(_ path: String?) -> String? { path.map { URL(fileURLWithPath: $0).standardizedFileURL.path } }
        let given: [(String, String?)] = [("model", absolute(model)), ("preset", preset), ("n-positions", nPositions.map(String.init)), ("task", task),
                                          ("task-count", task.map { _ in String(examplesOfTask) }), ("data", absolute(data)),
                                          ("data-format", dataFormat), ("tokenizer", tokenizer == "byte" ? tokenizer : absolute(tokenizer)),
                                          ("ref", absolute(ref))]
        return RunIdentity(options: Dictionary(uniqueKeysWithValues: given.compactMap { name, value in value.map { (name, $0) } }),
                           dataChecksum: try data.map { try RunIdentity.checksum(ofData: URL(fileURLWithPath: $0)) })
    }

    private func applyingFlags(to options: TrainingOptions) throws -> TrainingOptions {
        var options = options
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
        if options.objective == "dpo" && numCandidates == nil { options.numCandidates = 2 }
        if let numCandidates { options.numCandidates = numCandidates }
        if let beta { options.beta = beta }
        if let negatives { options.negatives = negatives }
        if rankNegatives { options.rankNegatives = true }
        if let nllWeight { options.nllWeight = nllWeight }
        if let sampleFrom { options.sampleFrom = sampleFrom }
        if let temperature { options.temperature = temperature }
        if let topK { options.topK = topK }
        if let topP { options.topP = topP }
        if let maxNewTokens { options.maxNewTokens = maxNewTokens }
        if let meanfieldFraction { options.meanfieldFraction = meanfieldFraction }
        if let pssFraction { options.pssFraction = pssFraction }
        if let candidateShards { options.candidateShards = candidateShards }
        if let overlapAllreduce { options.overlapAllReduce = overlapAllreduce }
        if let saveDtype { options.saveDtype = saveDtype }
        if let maxShardSize { options.maxShardSize = maxShardSize }
        if let recompute { options.recompute = recompute }
        if let activationBudget { options.activationBudget = activationBudget }
        if let maxBadSteps { options.maxBadSteps = maxBadSteps }
        if let zero { options.zero = zero }
        if let logitChunkRows { options.logitChunkRows = logitChunkRows }
        try options.validate()
        try refuseUnused(options)
        return options
    }

    /// An option given on the command line that the run would not use is an error: a CPO setting
    /// with `--objective mle`, or an AN sampling setting with no AN negatives, would otherwise be
    /// ignored without a word.
    private func refuseUnused(_ options: TrainingOptions) throws {
        let contrastive = ["cpo", "dpo"].contains(options.objective)
        let kinds = contrastive ? Set(try NegativeMix(parsing: options.negatives).kinds) : []
        let sampled = "AN negatives (--negatives with an)"
        let rules: [(option: String, given: Bool, used: Bool, needs: String)] = [
            ("ref", ref != nil, contrastive, "--objective cpo or dpo"),
            ("num-candidates", numCandidates != nil, contrastive, "--objective cpo or dpo"),
            ("beta", beta != nil, contrastive, "--objective cpo or dpo"),
            ("negatives", negatives != nil, contrastive, "--objective cpo or dpo"),
            ("nll-weight", nllWeight != nil, contrastive, "--objective cpo or dpo"),
            ("rank-negatives", rankNegatives, options.objective == "cpo", "--objective cpo"),
            ("sample-from", sampleFrom != nil, kinds.contains(.an), sampled),
            ("temperature", temperature != nil, kinds.contains(.an), sampled),
            ("top-k", topK != nil, kinds.contains(.an), sampled),
            ("top-p", topP != nil, kinds.contains(.an), sampled),
            ("max-new-tokens", maxNewTokens != nil, kinds.contains(.an), sampled),
            ("meanfield-fraction", meanfieldFraction != nil, kinds.contains(.mn), "MN negatives (--negatives with mn)"),
            ("pss-fraction", pssFraction != nil, options.objective == "pss", "--objective pss"),
        ]
        if let unused = rules.first(where: { $0.given && !$0.used }) {
            throw ValidationError("--\(unused.option) does nothing here: it is used only with \(unused.needs) "
                                  + "(this run: --objective \(options.objective)\(contrastive ? ", --negatives \(options.negatives)" : ""))")
        }
    }

    func run() throws {
        let (job, options) = try resolved()
        StopSignals.install(try StopSignals.parse(job.stopSignals ?? "TERM,INT,USR1"))
        var stopped = false
        try WorldJob.run { stopped = try job.train(out: job.out!, options: options, communicator: $0) }
        if stopped { throw ExitCode(StopSignals.exitCode) }
    }

    /// The job's starting model (with its weights, or only its shape for a plan), tokenizer, data
    /// (and how its file was read) and built-in task.
    func loadJob(options: TrainingOptions, weights: Bool = true) throws
        -> (model: any LanguageModel, tokenizer: any Tokenizer, data: TrainingSet, dataFile: DataFile?, task: (any SyntheticTask)?) {
        let explicitTokenizer = try tokenizer.map { try TokenizerFolder.resolve($0) }
        let model: any LanguageModel, tokenizer: any Tokenizer
        if let folder = self.model {
            (model, tokenizer) = try ModelFolder.load(URL(fileURLWithPath: folder), tokenizer: explicitTokenizer, weights: weights)
        } else {
            tokenizer = explicitTokenizer ?? ByteTokenizer()
            let config = try ModelRegistry.preset(preset!, vocabularySize: tokenizer.vocabularySize, maxPositions: nPositions)
            model = weights ? try config.randomModel(seed: options.seed) : config.zeroModel()
        }
        let builtInTask = try task.map { try SyntheticTasks.named($0) }
        if builtInTask != nil, let reason = tokenizer.textUnavailable {
            throw DataError.invalidSetting(name: "task", reason: "built-in tasks are text, but \(reason); give --tokenizer")
        }
        if let builtInTask {
            return (model, tokenizer, .synthetic(builtInTask, count: examplesOfTask, seed: options.seed, tokenizer: tokenizer), nil, builtInTask)
        }
        let dataFile = try DataFile(URL(fileURLWithPath: data!), format: givenDataFormat(), tokenizer: tokenizer, seqLen: options.seqLen)
        return (model, tokenizer, dataFile.set, dataFile, nil)
    }

    /// Returns whether a stop signal ended the run early.
    private func train(out: String, options: TrainingOptions, communicator: any Communicator) throws -> Bool {
        try threadOptions.apply()
        let (model, tokenizer, trainingSet, dataFile, builtInTask) = try loadJob(options: options)
        // Without --ref the trainer copies the starting weights as π_ref. Loaded inside the trainer's
        // call, so nothing here keeps the private copy once the trainer has copied it to shared memory.
        func reference() throws -> (any LanguageModel)? {
            guard ["cpo", "dpo"].contains(options.objective), let ref else { return nil }
            return try ModelFolder.load(URL(fileURLWithPath: ref), tokenizer: tokenizer).model
        }
        try RunDirectory.claim(URL(fileURLWithPath: out), resume: resume, overwrite: overwrite, communicator: communicator)
        let trainer = try Trainer(model: model, reference: try reference(), tokenizer: tokenizer, data: trainingSet, task: builtInTask, options: options,
                                  runDirectory: URL(fileURLWithPath: out), communicator: communicator, resume: resume,
                                  identity: try runIdentity())
        let progress = ProgressLine(), heldOut = PhaseProgress(progress)
        let parameterCount = model.layout.specs.reduce(0) { $0 + $1.count }
        if communicator.rank == 0 {
            let tokenizerLabel = TokenizerLabel.text(tokenizer, given: self.tokenizer, modelFolder: self.model)
            for line in DataStartupNote.lines(file: dataFile.map { (data!, $0) }, task: task, set: trainingSet, seqLen: options.seqLen, tokenizer: tokenizerLabel,
                                              contextPositions: model.config.maxPositions, isPreset: preset != nil) {
                progress.note(line)
            }
            progress.note("model: \(parameterCount.formatted()) parameters; data: \(trainingSet.count) examples; \(options.steps) steps of \(options.batchSize)")
            let schedule = String(format: "learning rate: %d warm-up steps%@ to %.3g, then cosine to %.3g at step %d", options.effectiveWarmupSteps,
                                  options.warmupSteps == nil ? " (a tenth of --steps, at most 50)" : "", options.learningRate,
                                  options.learningRate * options.minLrRatio, options.steps)
            progress.note(schedule)
            let dropout = model.config.dropoutNotApplied
            if !dropout.isEmpty {
                let rates = dropout.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                progress.note("dropout: not applied by this trainer (config.json's \(rates) are written back as they are)")
            }
            let plan = trainer.memoryPlan
            let parts = MemoryPlan.Part.allCases.filter { plan.bytes[$0]! > 0 }.map { "\($0.rawValue) \(ByteSize.gibibytes(plan.bytes[$0]!))" }
            progress.note("memory: \(ByteSize.gibibytes(plan.peakBytesPerRank)) per rank at the peak (\(parts.joined(separator: ", "))); "
                + "\(plan.microBatches) micro-batch\(plan.microBatches == 1 ? "" : "es") per step; generation "
                + (plan.packsDecodeWeights ? "packs a copy of the weights" : "reads the weights in place (a packed copy would not fit --activation-budget)"))
            switch trainer.referenceSharing {
            case let (ranks, nil)? where ranks > 1: progress.note("reference: one copy in shared memory for the \(ranks) ranks of this node")
            case let (_, refusal?)?: progress.note("reference: a private copy on every rank (shared memory refused: \(refusal))")
            default: break
            }
            if trainer.zeroStage > 0 {
                let what = trainer.zeroStage == 2 ? "AdamW moments and summed gradients" : "AdamW moments"
                progress.note("ZeRO stage \(trainer.zeroStage): each of the \(communicator.size) ranks holds 1/\(communicator.size) of the \(what)")
            }
        }
        let end = try trainer.run(stopRequested: { StopSignals.requested }) { report in
            guard communicator.rank == 0 else { return }
            switch report {
            case let .resumed(step, folder): progress.note("resuming at step \(step) from \(folder.path)")
            case let .noCheckpointToResume(folder): progress.note("no complete checkpoint in \(folder.path): starting from step 0")
            case let .passedOver(defect): progress.note("warning: skipping a checkpoint that cannot be trusted: \(defect)")
            case let .step(m) where !(m.loss.isFinite && m.gradientNorm.isFinite):
                progress.note(String(format: "step %d/%d | loss %.4f | gradient norm %.4g: not finite, not applied", m.step, m.totalSteps,
                                     m.loss, m.gradientNorm))
            case let .step(m):
                let accuracy = m.extra["reward_accuracy"].map { String(format: " | reward acc %.2f", $0) } ?? ""
                progress.update(String(format: "step %d/%d | loss %.4f%@ | lr %.2e | %.0f tok/s | %@ elapsed | ETA %@",
                                       m.step, m.totalSteps, m.loss, accuracy, m.learningRate, m.tokensPerSecond,
                                       ProgressLine.duration(m.elapsed), ProgressLine.duration(m.remaining)))
            case let .evaluating(step, done, total):
                heldOut.update("eval at step \(step):", done: done, of: total, unit: communicator.size > 1 ? "held-out examples on rank 0" : "held-out examples")
            case let .evaluated(e):
                var line = String(format: "eval at step %d: held-out loss %.4f on %d examples", e.step, e.loss, e.examples)
                if let accuracy = e.accuracy { line += String(format: ", exact-match accuracy %.1f%% on %d prompts", 100 * accuracy, e.accuracyExamples) }
                // The last evaluation and final/ are the run's results; the rest is progress.
                e.step == options.steps ? progress.result(line) : progress.note(line)
            case let .saved(folder) where folder.lastPathComponent == CheckpointFolder.finalName: progress.result("saved \(folder.path)")
            case let .saved(folder): progress.note("saved \(folder.path)")
            case let .stopped(step, checkpoint):
                progress.note("stopped by a signal after step \(step) of \(options.steps): saved \(checkpoint.path); "
                              + "the same command with --resume continues the run")
            }
        }
        progress.finish()
        return end.lastPathComponent != CheckpointFolder.finalName
    }
}
