/// A continuation produced by `Generator`.
public struct Continuation: Sendable, Equatable {
    /// Generated tokens, the end-of-text token included when the model produced it.
    public var tokens: [Int32]
    /// The model's log-probability of each generated token (temperature 1, untruncated).
    public var logProbs: [Float]
    public var endedWithEndOfText: Bool
    /// Σ logProbs: the sequence score s(y|x) of the continuation.
    public var logProb: Float { logProbs.reduce(0, +) }
}

/// Autoregressive generation for a batch of prompts.
public struct Generator {
    public let model: GPT2
    public let endOfText: Int32

    public init(model: GPT2, endOfText: Int32) {
        self.model = model
        self.endOfText = endOfText
    }

    /// Continues every prompt until end-of-text or `maxNewTokens` (or the model's context is full).
    /// Row i draws its randomness from `CounterRandom(seed, .sampling, example: streams[i], position: t)`,
    /// so a row's continuation does not depend on which other rows share its batch.
    public func generate(prompts: [[Int32]], options: SamplingOptions, streams: [Int]? = nil) throws -> [Continuation] {
        try options.validate()
        let streams = streams ?? Array(prompts.indices)
        precondition(streams.count == prompts.count, "one random stream per prompt")
        let sampler = TokenSampler(options: options)
        let vocabulary = model.config.vocabularySize
        var results = prompts.map { _ in Continuation(tokens: [], logProbs: [], endedWithEndOfText: false) }
        var active = Array(prompts.indices).filter { !prompts[$0].isEmpty && prompts[$0].count < model.config.maxPositions }
        var position = 0
        while !active.isEmpty && position < options.maxNewTokens {
            // Full recomputation over the right-padded batch: causal attention keeps padding from
            // reaching earlier positions, so each row's last real position is exact.
            let sequences = active.map { prompts[$0] + results[$0].tokens }
            let length = sequences.map(\.count).max()!
            var tokens = [Int32](repeating: endOfText, count: active.count * length)
            for (row, sequence) in sequences.enumerated() {
                for (t, token) in sequence.enumerated() { tokens[row * length + t] = token }
            }
            try model.forward(tokens: tokens, targets: [Int32](repeating: -1, count: tokens.count), batchSize: active.count, length: length)
            let logits = model.logits
            var stillActive: [Int] = []
            for (row, index) in active.enumerated() {
                let last = row * length + sequences[row].count - 1
                var random = CounterRandom(seed: options.seed, domain: .sampling, example: streams[index], position: position)
                let (token, logProb) = sampler.sample(
                    logits: UnsafeBufferPointer(rebasing: logits[last * vocabulary ..< (last + 1) * vocabulary]), random: &random)
                results[index].tokens.append(token)
                results[index].logProbs.append(logProb)
                if token == endOfText {
                    results[index].endedWithEndOfText = true
                } else if sequences[row].count + 1 < model.config.maxPositions {
                    stillActive.append(index)
                }
            }
            active = stillActive
            position += 1
        }
        return results
    }
}
