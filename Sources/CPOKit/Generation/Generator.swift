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

/// The coordinates of one row's random draws: a sample depends on these and the seed only, never on
/// which rows share its batch or which rank makes it.
public struct SampleStream: Sendable, Hashable {
    public var step: Int
    public var example: Int
    public var candidate: Int

    public init(step: Int = 0, example: Int, candidate: Int = 0) {
        self.step = step; self.example = example; self.candidate = candidate
    }
}

/// Autoregressive generation for a batch of prompts: one KV-cached decoder over all rows, so each
/// new token of the batch is a set of matrix–matrix products, and finished rows cost nothing.
///
/// A generator keeps its last decoder's memory (cache and packed weights, about the model's size)
/// for the next call, which packs the current weights into it: keep one generator for a series
/// of calls, and drop it to give the memory back. Copies share that memory, so a generator and its
/// copies serve one thread at a time.
public struct Generator {
    public let model: any LanguageModel
    public let endOfText: Int32
    /// Whether decode steps read a packed copy of the weights (faster; the model's size in memory
    /// while generating) or the model's own weights.
    public var packsWeights = true
    private let lastDecoder = LastDecoder()

    private final class LastDecoder: @unchecked Sendable {
        var decoder: (any TokenDecoder)?
    }

    public init(model: any LanguageModel, endOfText: Int32) {
        self.model = model
        self.endOfText = endOfText
    }

    /// Continues every prompt until end-of-text, `maxNewTokens`, or a full context. A row whose
    /// context is full still gets the token its last position predicts: that token is a target, never
    /// an input, so prompt + continuation stays scorable (`SequenceScorer` needs prompt + |y| − 1 positions).
    /// Token t of row i is drawn with `CounterRandom(seed, .sampling, streams[i]…, position: t)`;
    /// by default row i is stream (0, i, 0).
    public func generate(prompts: [[Int32]], options: SamplingOptions, streams: [SampleStream]? = nil) throws -> [Continuation] {
        try options.validate(context: model.config.maxPositions)
        guard !prompts.isEmpty else { return [] }
        let capacity = min(model.config.maxPositions, prompts.map(\.count).max()! + options.maxNewTokens)
        let decoder = model.makeDecoder(rows: prompts.count, capacity: capacity, reusing: lastDecoder.decoder, packsWeights: packsWeights)
        lastDecoder.decoder = decoder
        return try generate(prompts: prompts, options: options, streams: streams, decoder: decoder)
    }

    /// The generation loop on `decoder` (one row per prompt), whose cache it refills. A row leaves
    /// the batch when it is done: later decode steps neither run nor store anything for it.
    func generate(prompts: [[Int32]], options: SamplingOptions, streams: [SampleStream]?,
                  decoder: any TokenDecoder) throws -> [Continuation] {
        let streams = streams ?? prompts.indices.map { SampleStream(example: $0) }
        precondition(streams.count == prompts.count, "one random stream per prompt")
        let sampler = TokenSampler(options: options)
        let vocabulary = model.config.vocabularySize, capacity = decoder.capacity
        var results = prompts.map { _ in Continuation(tokens: [], logProbs: [], endedWithEndOfText: false) }
        var logits = try decoder.prefill(prompts)
        var active = Array(prompts.indices)
        var position = 0
        // Ends when every row is done, which a full context makes sure of long before a huge maxNewTokens.
        while position < options.maxNewTokens && !active.isEmpty {
            let draws: [(token: Int32, logProb: Float)]
            do {
                draws = try sampler.sample(rows: active, of: logits, vocabulary: vocabulary) { row in
                    let stream = streams[row]
                    return CounterRandom(seed: options.seed, domain: .sampling, step: stream.step, example: stream.example,
                                         candidate: stream.candidate, position: position)
                }
            } catch let failure as TokenSampler.Failure {
                throw NonFiniteLogitsError(stream: streams[failure.row], position: position)
            }
            var next = [Int32?](repeating: nil, count: prompts.count)
            for (row, draw) in zip(active, draws) {
                results[row].tokens.append(draw.token)
                results[row].logProbs.append(draw.logProb)
                if draw.token == endOfText {
                    results[row].endedWithEndOfText = true
                } else if decoder.lengths[row] < capacity && position + 1 < options.maxNewTokens {
                    next[row] = draw.token
                }
            }
            active = active.filter { next[$0] != nil }
            if !active.isEmpty { logits = try decoder.decode(next) }
            position += 1
        }
        return results
    }
}
