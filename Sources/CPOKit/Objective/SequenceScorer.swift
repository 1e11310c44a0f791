/// The log-probability of a continuation given its prompt, token by token: s(y|x) = Σ_t log π(y_t | x, y_<t).
public struct SequenceScore: Sendable, Equatable {
    public var tokenLogProbs: [Float]
    /// Summed in Double, so long continuations do not lose precision.
    public var logProb: Double { tokenLogProbs.reduce(0.0) { $0 + Double($1) } }
}

/// A prompt and a continuation too long for the model's context.
public struct SequenceTooLongError: Error, CustomStringConvertible {
    public let index: Int
    public let tokens: Int
    public let context: Int
    public var description: String {
        "sequence \(index + 1): prompt + continuation need \(tokens) positions, the model's context holds \(context)"
    }
}

/// Scores continuations with teacher forcing, many sequences of different lengths per forward pass.
public enum SequenceScorer {
    /// `scored` hears how many pairs are scored: 0 first, then after each pass.
    public static func score(model: any LanguageModel, pairs: [(prompt: [Int32], continuation: [Int32])], batchSize: Int = 16,
                             padding: Int32, scored: (Int) -> Void = { _ in }) throws -> [SequenceScore] {
        for (index, pair) in pairs.enumerated() {
            let positions = pair.prompt.count + pair.continuation.count - 1
            if positions > model.config.maxPositions || pair.prompt.isEmpty {
                throw SequenceTooLongError(index: index, tokens: positions, context: model.config.maxPositions)
            }
        }
        var scores: [SequenceScore] = []
        scored(0)
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            let rows = ContinuationRows(Array(pairs[start ..< min(start + batchSize, pairs.count)]), padding: padding)
            try model.forward(tokens: rows.batch.inputs, targets: rows.batch.targets, batchSize: rows.batch.rows, length: rows.batch.length)
            let nll = model.nll
            scores += rows.spans.map { SequenceScore(tokenLogProbs: nll[$0].map { -$0 }) }
            scored(scores.count)
        }
        return scores
    }
}
