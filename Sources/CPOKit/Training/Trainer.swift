import Foundation

/// The training loop: batches → objective (forward/backward) → gradient sum over the ranks → clip →
/// AdamW, with held-out evaluation, atomic checkpoints and exact resumption.
///
/// Each step is a pure function of (weights, optimizer moments, step, data cursor), all of which a
/// checkpoint holds, so N steps straight and N/2 + resume + N/2 give the same bits.
///
/// Over several ranks, ZeRO (`zeroStage`) partitions the flat buffer into one shard per rank
/// (`RankShards`): at stage 1 each rank holds AdamW's moments of its shard alone and updates only
/// its shard of the parameters, then the ranks all-gather the parameters; stage 2 also sums the
/// gradients by reduce-scatter (`GradientReduceScatter`), so each rank keeps only its shard of them.
/// Every stage does the same arithmetic on every element — the gradient norm too is summed shard
/// by shard at every stage — so the stages differ only where the sums over ranks add in another
/// order (never on two ranks, whose sum has one addition), and checkpoints hold the whole moments,
/// whatever the stage or number of ranks.
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
    /// The ZeRO stage in effect: `options.zero`, or 0 on one rank.
    public let zeroStage: Int
    /// The flat buffer's cut over the ranks.
    let shards: RankShards
    private let exchange: GradientExchange
    /// Stage 2's gradient sum, which also samples how much of the gradient buffer memory holds.
    private let reduceScatter: GradientReduceScatter?
    /// Elements per piece of the collectives over the whole buffer.
    private let pieceLength: Int
    private(set) var order: DataOrder
    /// Optimizer steps completed.
    public private(set) var step = 0
    private var resumedFrom: CheckpointFolder?
    /// What the run trains, saved with its checkpoints and compared on resume.
    private let identity: RunIdentity
    /// Newer checkpoints `--resume` did not trust, and why.
    private var passedOverCheckpoints: [CheckpointError] = []
    private let metrics: MetricsLog?
    /// For a contrastive objective, how many ranks of this node share π_ref's one copy, and why
    /// they do not when shared memory was refused.
    public let referenceSharing: (ranks: Int, refusal: String?)?
    /// Examples of one micro-batch of this rank's data group.
    private let microBatchExamples: Int
    /// What this rank holds at its peak, and the choices taken from it.
    public let memoryPlan: MemoryPlan
    /// Held-out prompts checked by the task's verifier at each evaluation.
    public var accuracyExamples = Trainer.defaultAccuracyExamples
    public static let defaultAccuracyExamples = 100

    /// Sets up a run in `runDirectory`; with `resume`, continues from its newest complete checkpoint.
    /// Contrastive objectives score against `reference`, the frozen π_ref, by default the starting
    /// weights (`model` before resuming); it is copied into memory the ranks of a node share.
    public init(model: any LanguageModel, reference: (any LanguageModel)? = nil, tokenizer: any Tokenizer, data: TrainingSet, task: (any SyntheticTask)?,
                options: TrainingOptions, runDirectory: URL, communicator: any Communicator = SingleProcessCommunicator(),
                resume: Bool = false, identity: RunIdentity = RunIdentity()) throws {
        try options.validate()
        self.identity = identity
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
        if let given = options.gradAccumulation, (options.batchSize / layout.groups) % given != 0 {
            throw OptionError(option: "grad-accumulation", value: "\(given)",
                              allowed: "a divisor of each data group's share of the batch, \(options.batchSize / layout.groups)")
        }
        if options.logitChunkRows > 0 { model.logitChunkRows = options.logitChunkRows }
        memoryPlan = try Self.memoryPlan(model: model, data: data, hasTask: task != nil, options: options, ranks: communicator.size,
                                         microBatches: options.gradAccumulation)
        microBatchExamples = options.batchSize / layout.groups / memoryPlan.microBatches
        model.recomputation = ActivationRecomputation(rawValue: options.recompute)!
        // Every replica starts from rank 0's weights, and proves it.
        for replica in [model, reference].compactMap({ $0 }) { try Self.synchronize(replica, over: communicator) }
        let shared = contrastive ? try Self.frozenReference(copying: reference ?? model, over: communicator) : nil
        referenceSharing = shared.map { (ranks: $0.sharing.ranksSharing, refusal: $0.sharing.refusal) }
        if options.logitChunkRows > 0 { shared?.model.logitChunkRows = options.logitChunkRows }
        split = try HeldOutSplit(exampleCount: data.count, heldOut: .fraction(options.validFraction), seed: options.seed)
        switch options.objective {
        case "cpo", "dpo":
            let reference = shared!.model
            objective = try ContrastiveTraining(policy: model, reference: reference, data: data, options: options,
                                                padding: tokenizer.endOfText, layout: layout,
                                                packsDecodeWeights: memoryPlan.packsDecodeWeights,
                                                dataFile: identity.options["data"] ?? "the training data")
        case "pss":
            objective = ParallelScheduledSampling(model: model, data: data, seqLen: options.seqLen, fraction: options.pssFraction,
                                                  seed: options.seed, padding: tokenizer.endOfText, layout: layout)
        default:
            objective = MaximumLikelihood(model: model, data: data, seqLen: options.seqLen, padding: tokenizer.endOfText, layout: layout)
        }
        zeroStage = communicator.size > 1 ? options.zero : 0
        shards = RankShards(count: model.layout.totalCount, ranks: communicator.size)
        optimizer = AdamW(layout: model.layout, range: zeroStage >= 1 ? shards.ranges[communicator.rank] : nil, beta1: options.adamBeta1,
                          beta2: options.adamBeta2, epsilon: options.adamEpsilon, weightDecay: options.weightDecay)
        let mpi = communicator.size > 1 ? communicator as? MPICommunicator : nil
        pieceLength = mpi?.bucketLength(of: Float.self) ?? MPICommunicator.defaultBucketBytes / MemoryLayout<Float>.stride
        let overlapping = Self.overlapsAllReduce(options)
        reduceScatter = zeroStage == 2 ? mpi.map {
            GradientReduceScatter(gradients: model.gradients, blocks: model.blockParameterRanges, communicator: $0, measuringResidentPeak: true)
        } : nil
        if let reduceScatter {
            exchange = .reduceScatter(reduceScatter, overlapping: overlapping)
        } else if let mpi {
            exchange = .allReduce(model.gradients, blocks: model.blockParameterRanges, over: mpi, overlapping: overlapping)
        } else {
            exchange = .alone
        }
        schedule = LearningRateSchedule(peak: options.learningRate, warmupSteps: options.effectiveWarmupSteps,
                                        totalSteps: options.steps, minimumRatio: options.minLrRatio)
        var cursor = DataCursor.start
        if resume {
            let (newest, passedOver) = try CheckpointFolder.newestIntact(in: runDirectory)
            passedOverCheckpoints = passedOver
            // Ranks that saw different files would continue different runs.
            let steps = try communicator.allGather([Int64(newest?.step ?? -1)])
            if let rank = steps.firstIndex(where: { $0 != steps[0] }) {
                throw CheckpointError.unreadable(path: runDirectory.path,
                    reason: "rank \(rank) finds its newest intact checkpoint at step \(steps[rank]), rank 0 at step \(steps[0])")
            }
            if let checkpoint = newest {
                let state = try checkpoint.readTrainerState()
                let optimizerStep = try checkpoint.readOptimizerMoments(layout: model.layout, range: optimizer.range, firstMoment: optimizer.m,
                                                                        secondMoment: optimizer.v)
                try ResumeCheck.check(state, optimizerStep: optimizerStep, of: checkpoint, against: options, identity: identity)
                try checkpoint.readParameters(layout: model.layout, into: model.parameters)
                optimizer.step = optimizerStep
                step = state.globalStep
                cursor = state.dataCursor
                resumedFrom = checkpoint
            }
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

    /// Trains until `options.steps`, then writes `runDirectory/final`, and returns it. When
    /// `stopRequested` is true on any rank after a step (a signal, on the CLI), every rank stops
    /// there, rank 0 saves that step's checkpoint, and the checkpoint is returned: `--resume`
    /// continues from it exactly. A step whose loss or gradient norm is not finite is not applied;
    /// `options.maxBadSteps` of them in a row end the run with `TrainingError.diverged`.
    @discardableResult
    public func run(stopRequested: () -> Bool = { false }, report: (TrainingReport) -> Void = { _ in }) throws -> URL {
        for passedOver in passedOverCheckpoints { report(.passedOver(passedOver)) }
        if let resumedFrom { report(.resumed(step: step, from: resumedFrom.url)) } else if resume { report(.noCheckpointToResume(runDirectory: runDirectory)) }
        let start = Date()
        let firstStep = step
        var badSteps = 0
        while step < options.steps {
            let stepStart = Date()
            let (result, norm, optimizerSeconds, memory) = try trainStep()
            let applied = result.loss.isFinite && norm.isFinite
            badSteps = applied ? 0 : badSteps + 1
            let seconds = Date().timeIntervalSince(stepStart)
            let elapsed = Date().timeIntervalSince(start)
            let metricsOfStep = StepMetrics(
                step: step, totalSteps: options.steps, loss: result.loss, learningRate: schedule.rate(at: step - 1),
                gradientNorm: norm, tokensPerSecond: Double(result.tokens) / seconds, seconds: seconds, elapsed: elapsed,
                remaining: elapsed / Double(step - firstStep) * Double(options.steps - step), extra: result.metrics)
            var record = metricsOfStep.record
            record["optimizer_s"] = optimizerSeconds
            if !applied { record["skipped"] = 1 }
            record["model_state_bytes"] = memory.total
            record["gradient_peak_bytes"] = memory.gradients
            if (options.evalEvery > 0 && step % options.evalEvery == 0) || step == options.steps, !split.heldOut.isEmpty {
                let evaluation = try evaluate { report(.evaluating(step: step, done: $0, of: $1)) }
                record.merge(evaluation.record) { _, new in new }
                report(.evaluated(evaluation))
            }
            // JSON has no NaN or infinity: a figure that is not finite is written as null.
            try metrics?.append(record.mapValues { value -> Any in (value as? Double).map { $0.isFinite ? $0 as Any : NSNull() } ?? value })
            report(.step(metricsOfStep))
            if badSteps >= options.maxBadSteps {
                throw TrainingError.diverged(step: step, loss: result.loss, gradientNorm: norm, steps: badSteps)
            }
            // The last step is a checkpoint too, so that `--resume` with a larger `--steps` extends a finished run.
            let saves = step == options.steps || (options.saveEvery > 0 && step % options.saveEvery == 0)
            if saves, let saved = try saveCheckpoint() { report(.saved(saved)) }
            // Every rank must stop at the same step, whichever of them was asked.
            if step < options.steps, try communicator.allReduceSum(Int32(stopRequested() ? 1 : 0)) > 0 {
                let checkpoint = CheckpointFolder(step: step, in: runDirectory).url
                if !saves { _ = try saveCheckpoint() }
                report(.stopped(step: step, checkpoint: checkpoint))
                return checkpoint
            }
        }
        let final = runDirectory.appendingPathComponent(CheckpointFolder.finalName)
        if communicator.rank == 0 {
            try checkFinite(model.parameters)
            try CheckpointFolder(url: final).write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: tokenizer,
                                                   weights: options.finalWeights())
            report(.saved(final))
        }
        try communicator.barrier()
        return final
    }

    /// `--overlap-allreduce`, with auto resolved: on when this node's cores outnumber its ranks'
    /// threads, leaving one for the communication thread.
    private static func overlapsAllReduce(_ options: TrainingOptions) -> Bool {
        switch options.overlapAllReduce {
        case "on": true
        case "off": false
        default: ProcessInfo.processInfo.activeProcessorCount > MPILaunch.ranksOnThisNode() * Parallel.threadCount
        }
    }

    /// Bytes of model state in memory on the rank that holds most, the largest over the ranks:
    /// parameters, gradients and AdamW's moments, with the gradients at the most the buffer has
    /// held at once so far (at stage 2, sampled before each bucket's pages go back).
    struct ModelStateBytes {
        var total: Int
        var gradients: Int
    }

    private func modelStateBytes() throws -> ModelStateBytes {
        let gradients = reduceScatter?.residentPeak ?? model.gradients.residentBytes
        let total = model.parameters.residentBytes + gradients + optimizer.m.residentBytes + optimizer.v.residentBytes
        let ranks = try communicator.allGather([Int64(total), Int64(gradients)])
        return ModelStateBytes(total: Int(stride(from: 0, to: ranks.count, by: 2).map { ranks[$0] }.max()!),
                               gradients: Int(stride(from: 1, to: ranks.count, by: 2).map { ranks[$0] }.max()!))
    }

    /// One optimizer step over the next global batch: the objective's figures, the gradient norm
    /// before clipping, the seconds the rest of the gradient sum, clipping and update took, and the
    /// model state's memory.
    func trainStep() throws -> (ObjectiveStep, gradientNorm: Double, optimizerSeconds: Double, memory: ModelStateBytes) {
        let batch = order.nextBatch(size: options.batchSize)
        let shard = shards.ranges[communicator.rank]
        // At stage 2 everything outside the shard is zero already, its pages handed back after the
        // last step's passes: zeroing it would bring them back.
        if reduceScatter != nil { model.gradients.zero(shard) } else { model.gradients.zero() }
        let result = try objective.accumulateGradients(step: step, batch: batch, microBatches: memoryPlan.microBatches, exchange: exchange)
        let start = Date()
        try exchange.finish()
        // Each rank sums the squares of its own shard, even where it holds all the gradients, so the
        // norm adds in the same order, and has the same bits, at every stage.
        let squares = try communicator.allGather([sumOfSquares(UnsafeBufferPointer(rebasing: model.gradients.buffer[shard]))])
        let norm = gradientNorm(shardSquares: squares)
        // A non-finite loss or norm would make every weight it touches NaN: every rank skips the step.
        if result.loss.isFinite && norm.isFinite {
            clipGradient(model.gradients, range: optimizer.range, norm: norm, maxNorm: Float(options.gradClip))
            optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: schedule.rate(at: step))
            if zeroStage >= 1 { try shards.allGather(model.parameters.buffer, over: communicator, pieceLength: pieceLength) }
        }
        step += 1
        let seconds = Date().timeIntervalSince(start)
        return (result, Double(norm), seconds, try modelStateBytes())
    }

    /// Held-out loss, and for a built-in task the verifier's accuracy on greedy continuations.
    /// Ranks split the held-out examples and sum their figures. `progress` hears how much of this
    /// rank's share is done (its held-out rows, then its prompts for the verifier), of how much.
    public func evaluate(progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> EvaluationResult {
        let rank = communicator.rank, ranks = communicator.size
        let mine = split.heldOut.enumerated().filter { $0.offset % ranks == rank }.map(\.element)
        let prompts = task == nil ? 0 : (0..<min(accuracyExamples, split.heldOut.count)).filter { $0 % ranks == rank }.count
        progress(0, mine.count + prompts)
        var nllSum: Double = 0, targets = 0
        // Batches of a training micro-batch's examples, so the passes fit the activations planned for training.
        for start in stride(from: 0, to: mine.count, by: microBatchExamples) {
            let indices = Array(mine[start ..< min(start + microBatchExamples, mine.count)])
            let batch = try data.batch(indices, seqLen: options.seqLen, padding: tokenizer.endOfText)
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length)
            for value in model.nll { nllSum += Double(value) }
            targets += batch.targetCount
            progress(start + indices.count, mine.count + prompts)
        }
        var correct = 0, checked = 0
        if let task {
            let examples = split.heldOut.prefix(accuracyExamples).enumerated()
                .filter { $0.offset % ranks == rank }.compactMap { data.instruction($0.element) }
            if !examples.isEmpty {
                var generator = Generator(model: model, endOfText: tokenizer.endOfText)
                generator.packsWeights = memoryPlan.packsDecodeWeights
                let continuations = try generator.generate(
                    prompts: examples.map(\.promptIDs), options: SamplingOptions(greedy: true, maxNewTokens: maxResponseTokens(examples)))
                for (example, continuation) in zip(examples, continuations) {
                    guard let prompt = example.text?.instruction else { continue }
                    checked += 1
                    if task.isCorrect(prompt: prompt, response: tokenizer.decode(continuation.tokens)) { correct += 1 }
                }
                progress(mine.count + prompts, mine.count + prompts)
            }
        }
        let sums = try communicator.allReduceSum([nllSum, Double(targets), Double(correct), Double(checked)])
        return EvaluationResult(step: step, loss: sums[0] / max(sums[1], 1), examples: split.heldOut.count,
                                accuracy: task != nil && sums[3] > 0 ? sums[2] / sums[3] : nil, accuracyExamples: Int(sums[3]))
    }

    /// The memory plan of a run of `options` on `data` over `ranks` ranks (those of this node share
    /// π_ref); `microBatches` nil picks the micro-batches by `--activation-budget`.
    /// Throws `TrainingMemory` first when not even the least such a run holds fits `nodeBytes`
    /// (default: this machine's memory): counting the buffers of absurd sizes would allocate them.
    public static func memoryPlan(model: any LanguageModel, data: TrainingSet, hasTask: Bool, options: TrainingOptions, ranks: Int,
                                  ranksPerNode: Int = MPILaunch.ranksOnThisNode(), microBatches: Int?,
                                  nodeBytes: Double = MachineMemory.bytes) throws -> MemoryPlan {
        let least = TrainingMemory(options: options, config: model.config, ranks: ranks, data: data)
        guard least.fits(in: nodeBytes) else { throw least }
        let heldOut = try HeldOutSplit(exampleCount: data.count, heldOut: .fraction(options.validFraction), seed: options.seed).heldOut.count
        let lengths = data.longestLengths
        return try MemoryPlan(model: model, job: MemoryPlan.Job(
            options: options, ranks: ranks, ranksPerNode: ranksPerNode, longestPrompt: lengths.prompt, longestResponse: lengths.response,
            accuracyExamples: hasTask ? min(defaultAccuracyExamples, heldOut) : 0), microBatches: microBatches)
    }

    /// Broadcasts rank 0's parameters and checks that every rank then holds the same bits.
    static func synchronize(_ model: any LanguageModel, over communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        try communicator.broadcast(model.parameters.buffer, root: 0)
        try proveSameBits(model, over: communicator)
    }

    /// π_ref as a copy of `source`'s parameters that the ranks of each node share read-only: a
    /// frozen model needs one copy per node, not one per rank.
    static func frozenReference(copying source: any LanguageModel, over communicator: any Communicator) throws
        -> (model: any LanguageModel, sharing: NodeSharedBuffer) {
        let sharing = try communicator.nodeSharedBuffer(count: source.parameters.count) {
            $0.baseAddress!.update(from: source.parameters.pointer, count: source.parameters.count)
        }
        let reference = source.config.model(parameters: sharing.buffer)
        // The reference only runs forward passes, which need no block's activations after the block.
        reference.recomputation = .blocks
        try proveSameBits(reference, over: communicator)
        return (reference, sharing)
    }

    static func proveSameBits(_ model: any LanguageModel, over communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        let checksums = try communicator.allGather([Int64(bitPattern: model.parameters.checksum)])
        if let rank = checksums.firstIndex(where: { $0 != checksums[0] }) {
            throw ReplicaMismatchError(rank: rank)
        }
    }

    /// Throws, naming the tensor, unless every parameter is finite: what a checkpoint may hold.
    private func checkFinite(_ parameters: FloatBuffer) throws {
        guard !(parameters.buffer.allSatisfy { $0.isFinite }) else { return }
        for spec in model.layout.specs {
            if let i = (0..<spec.count).first(where: { !parameters[spec.offset + $0].isFinite }) {
                throw TrainingError.nonFiniteWeight(tensor: spec.name, index: i, value: parameters[spec.offset + i])
            }
        }
    }

    /// Room for the longest reference response and a few tokens more, within the model's context.
    private func maxResponseTokens(_ examples: [InstructionExample]) -> Int {
        (examples.map(\.responseIDs.count).max() ?? 1) + 8
    }

    /// Writes `checkpoint-STEP` (rank 0) and drops old ones beyond `keepCheckpoints`. Under ZeRO
    /// the other ranks send their shards of the moments while rank 0 writes them. A failure ends the
    /// job (`WorldJob`) before any rank waits for the others.
    func saveCheckpoint() throws -> URL? {
        // Every rank holds all the parameters, so every rank refuses alike.
        try checkFinite(model.parameters)
        let moments: [any FlatValues] = zeroStage >= 1
            ? [optimizer.m, optimizer.v].map { GatheredShards(shards: shards, local: UnsafeBufferPointer($0.buffer), communicator: communicator,
                                                               pieceLength: pieceLength) }
            : [optimizer.m, optimizer.v]
        guard communicator.rank == 0 else {
            // In the order rank 0's writer reads them: the first moment through, then the second.
            if zeroStage >= 1 { for moment in moments { try moment.forEachPiece { _ in } } }
            try communicator.barrier()
            return nil
        }
        let folder = CheckpointFolder(step: step, in: runDirectory)
        let state = TrainerState(globalStep: step, dataCursor: order.cursor, seed: options.seed,
                                 hyperParameters: try JSONValue(encoding: options), extra: [RunIdentity.extraKey: try JSONValue(encoding: identity)])
        try folder.write(config: model.config, layout: model.layout, parameters: model.parameters, tokenizer: tokenizer,
                         training: .init(trainer: state, optimizerStep: optimizer.step, firstMoment: moments[0], secondMoment: moments[1]),
                         weights: WeightsFormat(maxShardSize: try options.finalWeights().maxShardSize))
        if options.keepCheckpoints > 0 { _ = try CheckpointFolder.removeAllButNewest(options.keepCheckpoints, in: runDirectory) }
        try communicator.barrier()
        return folder.url
    }
}
