/// A causal language model as everything above the model sees it: the trainer, the objectives,
/// the candidate scorer, generation, evaluation, ensembles and the benchmarks.
///
/// Parameters, their gradients (and the optimizer's moments, which follow `layout`) each live in
/// one flat buffer under the Hugging Face tensor names, so a checkpoint is that buffer written out,
/// an all-reduce is one call and an ensemble one pass.
///
/// A training pass: `forward` runs B sequences of length T and scores their targets (−1 masks a
/// position), leaving `nll` and `hiddenStates`; `backward` takes per-position weights
/// w[b, t] = ∂L/∂nll[b, t] and adds ∂L/∂θ into `gradients`. Mean cross-entropy is w = 1/count on
/// scored positions; a sequence-level objective weights each candidate's tokens by its own scalar.
///
/// The logits of all positions are never held at once (see `LanguageModelHead`): the head runs
/// over `logitChunkRows` scored positions at a time, and `withLogits` computes those of chosen
/// positions on demand.
public protocol LanguageModel: AnyObject {
    associatedtype Config: ModelConfig
    var config: Config { get }
    /// Names, shapes and offsets of the parameters, shared by the gradients and the optimizer moments.
    var layout: TensorLayout { get }
    var parameters: FloatBuffer { get }
    /// Allocated on first use, so a frozen reference model never holds one.
    var gradients: FloatBuffer { get }
    /// The parameter ranges of the blocks, first to last, as consecutive ranges of the flat
    /// buffer: the backward pass finishes them last to first (see `GradientReduction`).
    var blockParameterRanges: [Range<Int>] { get }

    /// Which block activations the next forward pass keeps; changing it frees the current ones.
    var recomputation: ActivationRecomputation { get set }

    /// Most positions whose logits exist at once (≥ 1); a change takes effect at the next forward pass.
    var logitChunkRows: Int { get set }

    /// Runs a training forward pass. Given `lossWeights` — those the pass's `backward` will be
    /// given, known up front as MLE's are — it also takes the LM head's part of that backward
    /// pass now, chunk by chunk, so the logits need not be computed twice.
    func forward(tokens: [Int32], targets: [Int32], batchSize: Int, length: Int, lossWeights: [Float]?) throws
    /// −log p(target) per position of the last forward pass, [B, T]; 0 where masked.
    var nll: UnsafeBufferPointer<Float> { get }
    /// Calls `body` with the logits of each of `positions` (indices into the last forward pass's
    /// [B, T]), `logitChunkRows` computed at a time; a buffer is valid during its call only.
    func withLogits(at positions: [Int], _ body: (_ index: Int, _ logits: UnsafeBufferPointer<Float>) throws -> Void) rethrows
    /// The last forward pass's final hidden states (after the final norm), [B, T, hiddenSize].
    var hiddenStates: UnsafeBufferPointer<Float> { get }
    /// The tokens and targets of the last forward pass, which `backward` differentiates.
    var lastBatch: (tokens: [Int32], targets: [Int32])? { get }

    /// Adds ∂L/∂θ to `gradients` for a loss whose derivative by nll[b, t] is `lossWeights[b, t]`.
    /// `reduction` (from `GradientExchange`), when given, hears of each block as soon as the block's
    /// gradients are final.
    func backward(lossWeights: [Float], reduction: GradientReduction?)

    /// A KV-cache decoder for `rows` sequences of up to `capacity` tokens (default: the context),
    /// taking over `previous`'s memory where it is a decoder of a model of the same config that is
    /// not used again. With `packsWeights` it reads the weights from a packed copy (faster, the
    /// model's size in memory), otherwise from the model's own buffer.
    func makeDecoder(rows: Int, capacity: Int?, reusing previous: (any TokenDecoder)?, packsWeights: Bool) -> any TokenDecoder
    /// Floats of the buffers a training pass over `rows` positions allocates with `recomputation`
    /// (what it keeps for the backward pass, the backward pass's scratch, the LM head's), and of
    /// those the logits'.
    func passFloats(rows: Int, recomputation: ActivationRecomputation) -> (total: Int, logits: Int)
    /// Floats of the buffers such a decoder allocates, for prompts of `promptTokens` tokens in all.
    func decoderFloats(rows: Int, capacity: Int, promptTokens: Int, packsWeights: Bool) -> Int
}

extension LanguageModel {
    public func forward(tokens: [Int32], targets: [Int32], batchSize: Int, length: Int) throws {
        try forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length, lossWeights: nil)
    }

    public func backward(lossWeights: [Float]) { backward(lossWeights: lossWeights, reduction: nil) }

    /// The logits of `positions` of the last forward pass, [positions.count, V].
    public func logits(at positions: [Int]) -> [Float] {
        var all: [Float] = []
        all.reserveCapacity(positions.count * config.vocabularySize)
        withLogits(at: positions) { _, logits in all += logits }
        return all
    }

    /// Mean of `nll` over the scored positions of the last forward pass (0 if none is).
    public var meanCrossEntropy: Float {
        guard let batch = lastBatch else { preconditionFailure("forward() has not run") }
        let scored = batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        guard scored > 0 else { return 0 }
        return Float(nll.reduce(0.0) { $0 + Double($1) } / Double(scored))
    }

    /// A forward pass whose backward pass will be `backwardMeanCrossEntropy`, known now: the LM
    /// head takes that gradient as it goes.
    public func forwardMeanCrossEntropy(tokens: [Int32], targets: [Int32], batchSize: Int, length: Int) throws {
        try forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length,
                    lossWeights: Self.meanCrossEntropyWeights(targets: targets))
    }

    /// Adds the gradient of `meanCrossEntropy` to `gradients`.
    public func backwardMeanCrossEntropy(reduction: GradientReduction? = nil) {
        guard let batch = lastBatch else { preconditionFailure("forward() has not run") }
        backward(lossWeights: Self.meanCrossEntropyWeights(targets: batch.targets), reduction: reduction)
    }

    /// ∂(mean nll over the scored positions)/∂nll: 1/count where a target is scored, 0 elsewhere.
    public static func meanCrossEntropyWeights(targets: [Int32]) -> [Float] {
        let scored = Float(targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) })
        return targets.map { $0 >= 0 ? 1 / scored : 0 }
    }

    /// Sums this step's `gradients` over the ranks of `communicator`, block by block as the step's
    /// last backward pass finishes them (see `GradientReduction`).
    public func gradientReduction(over communicator: MPICommunicator, overlapping: Bool = true) -> GradientReduction {
        GradientReduction(gradients: gradients.buffer, blocks: blockParameterRanges, communicator: communicator, overlapping: overlapping)
    }

    /// Positions the last forward pass ran (B · T).
    public var lastPassPositions: Int { lastBatch?.tokens.count ?? 0 }
}
