/// What one rank of a training job holds at its peak, by part, predicted before anything is
/// allocated: `cpo plan` prints it, and the trainer takes two choices from it — the micro-batch that
/// keeps a step's activations within `--activation-budget`, and whether generation packs a copy of
/// the weights.
///
/// Every part is held at once: the model state for the whole run; the decoder's buffers while the
/// step samples its negatives, when the activations of the previous step's passes are still
/// allocated (they are reused, not freed). The buffers of the passes and of the decoder are counted
/// from the buffers the model would allocate (`LanguageModel.passFloats`, `decoderFloats`), for the
/// longest rows the data can make.
public struct MemoryPlan: Sendable, Equatable {
    public enum Part: String, CaseIterable, Sendable {
        /// The policy's fp32 weights: every rank holds them whole.
        case parameters
        /// Whole, or at `--zero 2` this rank's shard and the block whose sums are in flight.
        case gradients
        /// AdamW's two moments: whole, or at `--zero 1` and `2` this rank's shard.
        case optimizer
        /// π_ref's weights, one copy per node: this rank's share.
        case reference
        /// Generation: the KV cache, the logits of a step, its scratch and a packed copy of the weights.
        case decode
        /// What the training passes keep for the backward pass, and its scratch (policy and reference).
        case activations
        /// The LM head's logits of those passes.
        case logits
        /// The Swift runtime's, OpenBLAS's and MPI's own memory.
        case runtime
    }

    /// What a job is made of, as the plan needs it.
    public struct Job: Sendable {
        public var options: TrainingOptions
        public var ranks: Int
        /// Ranks that share one node's memory (and one copy of π_ref).
        public var ranksPerNode: Int
        /// The longest prompt and response of the data in tokens, after `--seq-len` cut them.
        public var longestPrompt: Int
        public var longestResponse: Int
        /// Held-out examples whose greedy continuations the final evaluation checks (0: none).
        public var accuracyExamples: Int

        public init(options: TrainingOptions, ranks: Int, ranksPerNode: Int, longestPrompt: Int, longestResponse: Int, accuracyExamples: Int) {
            (self.options, self.ranks, self.ranksPerNode) = (options, ranks, ranksPerNode)
            (self.longestPrompt, self.longestResponse, self.accuracyExamples) = (longestPrompt, longestResponse, accuracyExamples)
        }
    }

    public let bytes: [Part: Int]
    /// Micro-batches per step (`--grad-accumulation`): the given one, or the fewest whose passes fit
    /// the activation budget.
    public let microBatches: Int
    /// Whether generation packs a copy of the weights: only when the copy fits the activation budget,
    /// a choice that depends on neither the ranks nor the node, so runs stay comparable.
    public let packsDecodeWeights: Bool
    public var peakBytesPerRank: Int { bytes.values.reduce(0, +) }

    /// The Swift runtime, OpenBLAS's thread buffers and MPI's shared-memory segments: a tiny model's
    /// training run peaks at 80–95 MB resident here (`launch/peak-memory.sh -- cpo train --preset tiny`).
    public static let runtimeBytes = 100 << 20
    /// `--activation-budget`'s default: micro-batches of this size already run sgemm at full speed
    /// (1000+ rows for GPT-2 124M), and it keeps the default CPO job within 3.5 GiB.
    public static let defaultActivationBudget = "1GiB"

    /// The plan of `job` for `model` (its weights are not read: `ModelConfig.zeroModel()` of an
    /// untouched model costs address space only). `microBatches` nil picks them by the budget.
    public init(model: any LanguageModel, job: Job, microBatches given: Int?) throws {
        let options = job.options
        let budget = try options.activationBudgetBytes()
        let config = model.config
        let parameters = model.layout.totalCount
        let contrastive = ["cpo", "dpo"].contains(options.objective)
        let shards = contrastive ? options.candidateShards : 1
        guard job.ranks >= 1, job.ranks % shards == 0 else {
            throw OptionError(option: "ranks", value: "\(job.ranks)", allowed: "a multiple of --candidate-shards \(shards)")
        }
        let examples = options.batchSize / (job.ranks / shards)
        guard examples >= 1, options.batchSize % (job.ranks / shards) == 0 else {
            throw OptionError(option: "batch-size", value: "\(options.batchSize)", allowed: "a multiple of the data groups, \(job.ranks / shards)")
        }
        // The shard that owns the most candidates: candidate k goes to shard k mod S.
        let candidates = contrastive ? (options.numCandidates + shards - 1) / shards : 1
        let negatives = contrastive ? (0..<shards).map { shard in (1..<options.numCandidates).filter { $0 % shards == shard }.count }.max()! : 0
        let sampleLength = options.maxNewTokens ?? job.longestResponse + 8
        let rowLength = min(options.seqLen, config.maxPositions,
                            job.longestPrompt + max(job.longestResponse, contrastive ? sampleLength : 0))
        let recomputation = ActivationRecomputation(rawValue: options.recompute) ?? .none

        /// The passes of one micro-batch of `count` examples: the policy's and, for a contrastive
        /// objective, the reference's forward pass over the same rows.
        func passes(_ count: Int) -> (activations: Int, logits: Int) {
            let rows = count * candidates * rowLength
            let policy = model.passFloats(rows: rows, recomputation: recomputation)
            let reference = contrastive ? model.passFloats(rows: rows, recomputation: .blocks) : (total: 0, logits: 0)
            return (4 * (policy.total - policy.logits + reference.total - reference.logits), 4 * (policy.logits + reference.logits))
        }
        if let given {
            microBatches = given
        } else {
            // The fewest micro-batches (a divisor of this group's examples) whose passes fit; one
            // example each when none does.
            microBatches = (1...examples).first { examples % $0 == 0 && { $0.activations + $0.logits <= budget }(passes(examples / $0)) } ?? examples
        }
        let pass = passes(max(examples / microBatches, 1))

        let packs = 4 * Int(config.decodeStepWeights) <= budget
        packsDecodeWeights = packs
        // AN samples of this rank's negatives, and the final evaluation's greedy continuations.
        let sampled = options.negatives.contains("an") ? examples * negatives : 0
        let evaluated = (job.accuracyExamples + job.ranks - 1) / job.ranks
        let decode = [(sampled, job.longestPrompt + sampleLength), (evaluated, job.longestPrompt + job.longestResponse + 8)]
            .filter { $0.0 > 0 }
            .map { rows, length in
                4 * model.decoderFloats(rows: rows, capacity: min(length, config.maxPositions), promptTokens: rows * job.longestPrompt,
                                        packsWeights: packs)
            }.max() ?? 0

        // ZeRO cuts the flat buffer into one shard per rank (the first ones one element longer).
        let zero = job.ranks > 1 ? options.zero : 0
        let shard = (parameters + job.ranks - 1) / job.ranks
        // At stage 2 a pass hands back each block's pages once its sums are out: it holds its shard
        // and the largest piece it writes before that (a block, or what lies outside the blocks).
        let blocks = model.blockParameterRanges
        let inFlight = max(blocks.map(\.count).max() ?? 0, parameters - blocks.reduce(0) { $0 + $1.count })
        bytes = [
            .parameters: 4 * parameters,
            .gradients: 4 * (zero >= 2 ? min(parameters, shard + inFlight) : parameters),
            .optimizer: 8 * (zero >= 1 ? shard : parameters),
            .reference: contrastive ? 4 * parameters / max(job.ranksPerNode, 1) : 0,
            .decode: decode,
            .activations: pass.activations,
            .logits: pass.logits,
            .runtime: Self.runtimeBytes,
        ]
    }
}

extension TrainingOptions {
    /// `activationBudget` in bytes.
    public func activationBudgetBytes() throws -> Int {
        guard let bytes = ByteSize.parse(activationBudget) else {
            throw OptionError(option: "activation-budget", value: activationBudget,
                              allowed: "a size with KB, MB, GB or KiB, MiB, GiB (e.g. 1GiB)")
        }
        return bytes
    }
}
