/// AN: continuations sampled token by token from a model, π_ref by default or π_θ on-policy.
///
/// All slots of a request decode as one batch with `Generator`; each slot's tokens come from its
/// own stream (step, example, candidate), so they do not depend on the batch. The sampler reports
/// the model's own log-probabilities (temperature 1, no top-k/top-p truncation) whatever the
/// sampling options, so a sample from π_ref carries its reference score s_ref at no cost.
public struct AutoregressiveNegatives: NegativeMaker {
    /// How many tokens a sample may have before it is cut (it stops earlier at end-of-text).
    public enum Length: Sendable, Equatable {
        /// The ground truth's length (its end-of-text included) plus this margin.
        case groundTruthPlus(Int)
        case fixed(Int)

        func maxNewTokens(groundTruth: Int) -> Int {
            switch self {
            case let .groundTruthPlus(margin): return groundTruth + margin
            case let .fixed(count): return count
            }
        }
    }

    public let model: any LanguageModel
    /// True when `model` is π_ref: then each negative's `referenceLogProb` is filled in.
    public let modelIsReference: Bool
    /// Temperature, top-k, top-p and seed; `maxNewTokens` is replaced by `length`.
    public let sampling: SamplingOptions
    public let length: Length
    public let endOfText: Int32
    /// Whether generation packs a copy of the weights (`Generator.packsWeights`).
    public let packsWeights: Bool
    public var kind: NegativeKind { .an }

    public init(model: any LanguageModel, modelIsReference: Bool, sampling: SamplingOptions, length: Length, endOfText: Int32,
                packsWeights: Bool = true) throws {
        try sampling.validate()
        switch length {
        case let .groundTruthPlus(margin): precondition(margin >= 0, "a sample may not stop before the ground truth's length")
        case let .fixed(count):
            // `--max-new-tokens` of `cpo train` sets the fixed length.
            var fixed = sampling
            fixed.maxNewTokens = count
            try fixed.validate(context: model.config.maxPositions)
        }
        self.model = model
        self.modelIsReference = modelIsReference
        self.sampling = sampling
        self.length = length
        self.endOfText = endOfText
        self.packsWeights = packsWeights
    }

    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        guard !slots.isEmpty else { return [] }
        let examples = try slots.map { try $0.checkedExample(in: batch) }
        let context = model.config.maxPositions
        if let long = examples.first(where: { $0.promptIDs.count >= context }) {
            throw NegativeError.tooLongForContext(kind, line: long.line, tokens: long.promptIDs.count + 1, context: context)
        }
        let limits = examples.map { length.maxNewTokens(groundTruth: $0.responseIDs.count) }
        // One decode for all rows, run to the longest limit; a row's first tokens do not depend on
        // how far it runs, so cutting it at its own limit gives what decoding it alone would.
        var options = sampling
        options.maxNewTokens = min(limits.max()!, context)
        var generator = Generator(model: model, endOfText: endOfText)
        generator.packsWeights = packsWeights
        let samples = try generator.generate(prompts: examples.map(\.promptIDs), options: options, streams: slots.map(\.sampleStream))
        return zip(slots, zip(samples, limits)).map { slot, sampleAndLimit in
            let (sample, limit) = sampleAndLimit
            let logProbs = sample.logProbs.prefix(limit)
            return Negative(slot: slot, kind: kind, tokens: Array(sample.tokens.prefix(limit)),
                            referenceLogProb: modelIsReference ? logProbs.reduce(0.0) { $0 + Double($1) } : nil)
        }
    }
}
