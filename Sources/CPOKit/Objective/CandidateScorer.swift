/// What one teacher-forced pass says about each candidate row.
public struct CandidateScores: Sendable, Equatable {
    /// s(y|x), the sum of the continuation's token log-probs (an ending EOS included), in Double.
    public let logProbs: [Double]
    /// s(y|x) / |y|, the per-token figure that shows likelihood displacement (DESIGN §2).
    public let meanTokenLogProbs: [Double]
    /// Per row, the mean final hidden state (after the final LayerNorm) over the positions that
    /// predict its continuation tokens (see `ContinuationRows`), [rows][channels]; empty unless asked.
    public let pooledHiddenStates: [[Float]]
}

/// Scores candidate rows — a prompt and a candidate continuation each, of any lengths — in one
/// right-padded forward pass, and back-propagates any loss of their sequence log-probs in one
/// backward pass. The loss itself is computed elsewhere from the scalars (gathered across ranks when
/// candidates are sharded), so the backward takes only ∂L/∂s per row.
public final class CandidateScorer {
    public let model: any LanguageModel
    /// The token that fills short rows; it is never attended to by a real position.
    public let padding: Int32
    /// The rows of the last `score`, which `backward` differentiates; nil after scoring no rows.
    private var scored: ContinuationRows?

    public init(model: any LanguageModel, padding: Int32) {
        self.model = model
        self.padding = padding
    }

    /// All `rows` go through the model together: pass a (micro-)batch that fits in memory.
    public func score(_ rows: [CandidateRow], poolHiddenStates: Bool = false) throws -> CandidateScores {
        guard !rows.isEmpty else {
            scored = nil
            return CandidateScores(logProbs: [], meanTokenLogProbs: [], pooledHiddenStates: [])
        }
        for row in rows {
            let positions = row.prompt.count + row.continuation.count - 1
            if row.prompt.isEmpty { throw CandidateScoringError.emptyPrompt(example: row.example, candidate: row.candidate) }
            if row.continuation.isEmpty { throw CandidateScoringError.emptyContinuation(example: row.example, candidate: row.candidate) }
            if positions > model.config.maxPositions {
                throw CandidateScoringError.tooLong(example: row.example, candidate: row.candidate, positions: positions,
                                                    context: model.config.maxPositions)
            }
        }
        let layout = ContinuationRows(rows.map { ($0.prompt, $0.continuation) }, padding: padding)
        try model.forward(tokens: layout.batch.inputs, targets: layout.batch.targets, batchSize: layout.batch.rows,
                          length: layout.batch.length)
        scored = layout
        let nll = model.nll
        let logProbs = layout.spans.map { span in -nll[span].reduce(0.0) { $0 + Double($1) } }
        return CandidateScores(logProbs: logProbs,
                               meanTokenLogProbs: zip(logProbs, layout.spans).map { $0 / Double($1.count) },
                               pooledHiddenStates: poolHiddenStates ? layout.spans.map(meanHiddenState) : [])
    }

    /// Adds Σ_r scoreGradients[r] · ∇θ s_θ(row r) to `model.gradients`, for the rows of the last
    /// `score`, in that order. With scoreGradients[r] = ∂L/∂s_r this is ∇θ L: s_r = −Σ nll over the
    /// row's continuation positions, so each of them gets the loss weight ∂L/∂nll = −∂L/∂s_r.
    /// `reduction` goes to the model's backward pass (see `GradientExchange`).
    public func backward(scoreGradients: [Double], reduction: GradientReduction? = nil) {
        // A shard may hold none of a batch's candidates; it then adds nothing.
        if scored == nil && scoreGradients.isEmpty { return }
        guard let layout = scored else { preconditionFailure("score() has not run") }
        precondition(scoreGradients.count == layout.spans.count, "backward() needs one weight per scored row")
        precondition(model.lastBatch?.tokens == layout.batch.inputs && model.lastBatch?.targets == layout.batch.targets,
                     "the model has run another forward pass since score()")
        var lossWeights = [Float](repeating: 0, count: layout.batch.inputs.count)
        for (span, gradient) in zip(layout.spans, scoreGradients) {
            for position in span { lossWeights[position] = Float(-gradient) }
        }
        model.backward(lossWeights: lossWeights, reduction: reduction)
    }

    private func meanHiddenState(over span: Range<Int>) -> [Float] {
        let channels = model.config.hiddenSize
        let states = model.hiddenStates
        var sum = [Double](repeating: 0, count: channels)
        for position in span {
            for c in 0 ..< channels { sum[c] += Double(states[position * channels + c]) }
        }
        return sum.map { Float($0 / Double(span.count)) }
    }
}
