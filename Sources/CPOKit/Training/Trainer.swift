import Foundation

/// The training loop: batches → objective (forward/backward) → all-reduce → clip → AdamW, with
/// held-out evaluation, atomic checkpoints and exact resumption.
///
/// Each step is a pure function of (weights, optimizer moments, step, data cursor), all of which a
/// checkpoint holds, so N steps straight and N/2 + resume + N/2 give the same bits.
public final class Trainer {
    public let model: any LanguageModel
    public let tokenizer: any Tokenizer
    public let options: TrainingOptions
    public let runDirectory: URL
    let data: TrainingSet
    let split: HeldOutSplit
    let task: (any SyntheticTask)?
    let communicator: any Communicator
    let objective: any TrainingObjective
    let optimizer: AdamW
    let schedule: LearningRateSchedule
    private(set) var order: DataOrder
    /// Optimizer steps completed.
    public private(set) var step = 0
    private var resumedFrom: CheckpointFolder?
    private let metrics: MetricsLog?
    /// Held-out prompts checked by the task's verifier at each evaluation.
    public var accuracyExamples = 100

    /// Sets up a run in `runDirectory`; with `resume`, continues from its newest complete checkpoint.
    /// Contrastive objectives need `reference`, the frozen π_ref (normally the starting weights).
    public init(model: any LanguageModel, reference: (any LanguageModel)? = nil, tokenizer: any Tokenizer, data: TrainingSet, task: (any SyntheticTask)?,
                options: TrainingOptions, runDirectory: URL, communicator: any Communicator = SingleProcessCommunicator(),
                resume: Bool = false) throws {
        try options.validate()
        guard options.seqLen <= model.config.maxPositions else {
            throw OptionError(option: "seq-len", value: "\(options.seqLen)",
                              allowed: "at most the model's n_positions, \(model.config.maxPositions)")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.data = data
        self.task = task
        self.options = options
        self.runDirectory = runDirectory
        self.communicator = communicator
        let contrastive = ["cpo", "dpo"].contains(options.objective)
        if !contrastive && options.candidateShards > 1 {
            throw OptionError(option: "candidate-shards", value: "\(options.candidateShards)",
                              allowed: "1 with --objective \(options.objective): only cpo and dpo have candidates to shard")
        }
        let layout = try RankLayout(world: communicator, shards: options.candidateShards, batchSize: options.batchSize)
        guard (options.batchSize / layout.groups) % options.gradAccumulation == 0 else {
            throw OptionError(option: "grad-accumulation", value: "\(options.gradAccumulation)",
                              allowed: "a divisor of each data group's share of the batch, \(options.batchSize / layout.groups)")
        }
        model.recomputation = ActivationRecomputation(rawValue: options.recompute)!
        // The reference only runs forward passes, which need no block's activations after the block.
        reference?.recomputation = .blocks
        if options.logitChunkRows > 0 {
            for replica in [model, reference].compactMap({ $0 }) { replica.logitChunkRows = options.logitChunkRows }
        }
        // Every replica starts from rank 0's weights, and proves it.
        for replica in [model, reference].compactMap({ $0 }) { try Self.synchronize(replica, over: communicator) }
        switch options.objective {
        case "cpo", "dpo":
            guard let reference else { preconditionFailure("contrastive objectives need a reference model") }
            objective = try ContrastiveTraining(policy: model, reference: reference, data: data, options: options,
                                                padding: tokenizer.endOfText, layout: layout)
        case "pss":
            objective = ParallelScheduledSampling(model: model, data: data, seqLen: options.seqLen, fraction: options.pssFraction,
                                                  seed: options.seed, padding: tokenizer.endOfText, layout: layout)
        default:
            objective = MaximumLikelihood(model: model, data: data, seqLen: options.seqLen, padding: tokenizer.endOfText, layout: layout)
        }
        split = try HeldOutSplit(exampleCount: data.count, heldOut: .fraction(options.validFraction), seed: options.seed)
        optimizer = AdamW(layout: model.layout, beta1: options.adamBeta1, beta2: options.adamBeta2,
                          epsilon: options.adamEpsilon, weightDecay: options.weightDecay)
        schedule = LearningRateSchedule(peak: options.learningRate, warmupSteps: options.warmupSteps,
                                        totalSteps: options.steps, minimumRatio: options.minLrRatio)
        var cursor = DataCursor.start
        if resume, let checkpoint = try CheckpointFolder.newestComplete(in: runDirectory) {
            try checkpoint.readParameters(layout: model.layout, into: model.parameters)
            optimizer.step = try checkpoint.readOptimizerMoments(layout: model.layout, firstMoment: optimizer.m, secondMoment: optimizer.v)
            let state = try checkpoint.readTrainerState()
            step = state.globalStep
            cursor = state.dataCursor
            resumedFrom = checkpoint
        }
        order = try DataOrder(members: split.train, seed: options.seed, cursor: cursor)
        if communicator.rank == 0 {
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            metrics = try MetricsLog(url: runDirectory.appendingPathComponent("metrics.jsonl"), resumeStep: resume ? step : nil)
        } else {
            metrics = nil
        }
        self.resume = resume
    }
    private let resume: Bool

    /// Trains until `options.steps`, then writes `runDirectory/final`. Returns the final folder.
    @discardableResult
    public func run(report: (TrainingReport) -> Void = { _ in }) throws -> URL {
        if let resumedFrom { report(.resumed(step: step, from: resumedFrom.url)) } else if resume { report(.noCheckpointToResume(runDirectory: runDirectory)) }
        let start = Date()
        let firstStep = step
        while step < options.steps {
            let stepStart = Date()
            let (result, norm, optimizerSeconds) = try trainStep()
            let seconds = Date().timeIntervalSince(stepStart)
            let elapsed = Date().timeIntervalSince(start)
            let metricsOfStep = StepMetrics(
                step: step, totalSteps: options.steps, loss: result.loss, learningRate: schedule.rate(at: step - 1),
                gradientNorm: norm, tokensPerSecond: Double(result.tokens) / seconds, seconds: seconds, elapsed: elapsed,
                remaining: elapsed / Double(step - firstStep) * Double(options.steps - step), extra: result.metrics)
            var record = metricsOfStep.record
            record["optimizer_s"] = optimizerSeconds
            if (options.evalEvery > 0 && step % options.evalEvery == 0) || step == options.steps, !split.heldOut.isEmpty {
                let evaluation = try evaluate()
                record.merge(evaluation.record) { _, new in new }
                report(.evaluated(evaluation))
            }
            try metrics?.append(record)
            report(.step(metricsOfStep))
            if options.saveEvery > 0 && step % options.saveEvery == 0 && step < options.steps {
                if let saved = try saveCheckpoint() { report(.saved(saved)) }
            }
        }
        let final = runDirectory.appendingPathComponent(CheckpointFolder.finalName)
        if communicator.rank == 0 {
            try CheckpointFolder(url: final).write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: tokenizer,
                                                   weights: options.finalWeights())
            report(.saved(final))
        }
        try communicator.barrier()
        return final
    }

    /// `--overlap-allreduce`, with auto resolved: on when this node's cores outnumber its ranks'
    /// threads, leaving one for the communication thread.
    private var overlapsAllReduce: Bool {
        switch options.overlapAllReduce {
        case "on": true
        case "off": false
        default: ProcessInfo.processInfo.activeProcessorCount > MPILaunch.ranksOnThisNode() * Parallel.threadCount
        }
    }

    /// One optimizer step over the next global batch: the objective's figures, the gradient norm
    /// before clipping, and the seconds the rest of the all-reduce, clipping and update took.
    func trainStep() throws -> (ObjectiveStep, gradientNorm: Double, optimizerSeconds: Double) {
        let batch = order.nextBatch(size: options.batchSize)
        model.gradients.zero()
        // Over several ranks the gradients are summed block by block, during the last backward pass
        // where that pays.
        let reduction = (communicator as? MPICommunicator).flatMap {
            $0.size > 1 ? model.gradientReduction(over: $0, overlapping: overlapsAllReduce) : nil
        }
        let result = try objective.accumulateGradients(step: step, batch: batch, microBatches: options.gradAccumulation,
                                                       reduction: reduction)
        let start = Date()
        try reduction?.finish()
        let norm = clipGradientNorm(model.gradients, maxNorm: Float(options.gradClip))
        optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: schedule.rate(at: step))
        step += 1
        return (result, Double(norm), Date().timeIntervalSince(start))
    }

    /// Held-out loss, and for a built-in task the verifier's accuracy on greedy continuations.
    /// Ranks split the held-out examples and sum their figures.
    public func evaluate() throws -> EvaluationResult {
        let rank = communicator.rank, ranks = communicator.size
        let mine = split.heldOut.enumerated().filter { $0.offset % ranks == rank }.map(\.element)
        var nllSum: Double = 0, targets = 0
        for start in stride(from: 0, to: mine.count, by: options.batchSize) {
            let indices = Array(mine[start ..< min(start + options.batchSize, mine.count)])
            let batch = try data.batch(indices, seqLen: options.seqLen, padding: tokenizer.endOfText)
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length)
            for value in model.nll { nllSum += Double(value) }
            targets += batch.targetCount
        }
        var correct = 0, checked = 0
        if let task {
            let examples = split.heldOut.prefix(accuracyExamples).enumerated()
                .filter { $0.offset % ranks == rank }.compactMap { data.instruction($0.element) }
            if !examples.isEmpty {
                let continuations = try Generator(model: model, endOfText: tokenizer.endOfText).generate(
                    prompts: examples.map(\.promptIDs), options: SamplingOptions(greedy: true, maxNewTokens: maxResponseTokens(examples)))
                for (example, continuation) in zip(examples, continuations) {
                    guard let prompt = example.text?.instruction else { continue }
                    checked += 1
                    if task.isCorrect(prompt: prompt, response: tokenizer.decode(continuation.tokens)) { correct += 1 }
                }
            }
        }
        let sums = try communicator.allReduceSum([nllSum, Double(targets), Double(correct), Double(checked)])
        return EvaluationResult(step: step, loss: sums[0] / max(sums[1], 1), examples: split.heldOut.count,
                                accuracy: task != nil && sums[3] > 0 ? sums[2] / sums[3] : nil, accuracyExamples: Int(sums[3]))
    }

    /// Broadcasts rank 0's parameters and checks that every rank then holds the same bits.
    static func synchronize(_ model: any LanguageModel, over communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        try communicator.broadcast(model.parameters.buffer, root: 0)
        let checksums = try communicator.allGather([Int64(bitPattern: model.parameters.checksum)])
        if let rank = checksums.firstIndex(where: { $0 != checksums[0] }) {
            throw ReplicaMismatchError(rank: rank)
        }
    }

    /// Room for the longest reference response and a few tokens more, within the model's context.
    private func maxResponseTokens(_ examples: [InstructionExample]) -> Int {
        (examples.map(\.responseIDs.count).max() ?? 1) + 8
    }

    /// Writes `checkpoint-STEP` (rank 0) and drops old ones beyond `keepCheckpoints`.
    func saveCheckpoint() throws -> URL? {
        defer { try? communicator.barrier() }
        guard communicator.rank == 0 else { return nil }
        let folder = CheckpointFolder(step: step, in: runDirectory)
        let state = TrainerState(globalStep: step, dataCursor: order.cursor, seed: options.seed,
                                 hyperParameters: try JSONValue(encoding: options))
        try folder.write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: tokenizer,
                         training: .init(trainer: state, optimizerStep: optimizer.step, firstMoment: optimizer.m, secondMoment: optimizer.v),
                         weights: WeightsFormat(maxShardSize: try options.finalWeights().maxShardSize))
        if options.keepCheckpoints > 0 { _ = try CheckpointFolder.removeAllButNewest(options.keepCheckpoints, in: runDirectory) }
        return folder.url
    }
}
