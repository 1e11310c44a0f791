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

/// Scores continuations with teacher forcing, many sequences of different lengths per forward pass
/// (right-padded; causal attention keeps padding out of every real position).
public enum SequenceScorer {
    public static func score(model: GPT2, pairs: [(prompt: [Int32], continuation: [Int32])], batchSize: Int = 16,
                             padding: Int32) throws -> [SequenceScore] {
        for (index, pair) in pairs.enumerated() {
            let positions = pair.prompt.count + pair.continuation.count - 1
            if positions > model.config.maxPositions || pair.prompt.isEmpty {
                throw SequenceTooLongError(index: index, tokens: positions, context: model.config.maxPositions)
            }
        }
        var scores: [SequenceScore] = []
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            let chunk = pairs[start ..< min(start + batchSize, pairs.count)]
            let length = chunk.map { $0.prompt.count + $0.continuation.count - 1 }.max()!
            var tokens = [Int32](repeating: padding, count: chunk.count * length)
            var targets = [Int32](repeating: TrainingBatch.ignoredTarget, count: chunk.count * length)
            for (row, pair) in chunk.enumerated() {
                let sequence = pair.prompt + pair.continuation
                for t in 0 ..< sequence.count - 1 {
                    tokens[row * length + t] = sequence[t]
                    if t + 1 >= pair.prompt.count { targets[row * length + t] = sequence[t + 1] }
                }
            }
            try model.forward(tokens: tokens, targets: targets, batchSize: chunk.count, length: length)
            let nll = model.nll
            for (row, pair) in chunk.enumerated() {
                let first = row * length + pair.prompt.count - 1
                scores.append(SequenceScore(tokenLogProbs: (0 ..< pair.continuation.count).map { -nll[first + $0] }))
            }
        }
        return scores
    }
}
