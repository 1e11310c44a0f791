import XCTest
@testable import CPOKit

/// Generation through the KV cache against a reference that recomputes the whole prefix each step.
final class GeneratorCacheTests: XCTestCase {
    /// A small vocabulary and sharp logits, so that end-of-text comes early for some rows and
    /// top-k / top-p cut real mass.
    private func model() throws -> GPT2 {
        try GPT2(config: GPT2Config(vocabularySize: 12, maxPositions: 40, channels: 32, layers: 2, heads: 4, initializerRange: 0.3), seed: 17)
    }

    private let prompts: [[Int32]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10, 0], [2, 2], [7, 3, 1, 4, 1]]
    private let endOfText: Int32 = 11

    /// One row, no cache: GPT2.forward over prompt + tokens so far, the same sampler and keys.
    private func recomputed(_ model: GPT2, prompt: [Int32], options: SamplingOptions, stream: SampleStream) throws -> Continuation {
        let sampler = TokenSampler(options: options)
        var sequence = prompt
        var result = Continuation(tokens: [], logProbs: [], endedWithEndOfText: false)
        for position in 0 ..< options.maxNewTokens {
            try model.forward(tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count), batchSize: 1, length: sequence.count)
            let last = model.logits(at: [sequence.count - 1])
            var random = CounterRandom(seed: options.seed, domain: .sampling, step: stream.step, example: stream.example,
                                       candidate: stream.candidate, position: position)
            let (token, logProb) = try last.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random) }
            result.tokens.append(token)
            result.logProbs.append(logProb)
            if token == endOfText {
                result.endedWithEndOfText = true
                break
            }
            sequence.append(token)
        }
        return result
    }

    /// A generator packs the weights into its last decoder's memory on every call: after an
    /// update of the weights, and for more or fewer rows, it must give what a new generator gives.
    func testAReusedGeneratorFollowsWeightUpdatesAndBatchShapes() throws {
        let model = try model()
        let options = SamplingOptions(temperature: 0.8, maxNewTokens: 6, seed: 5)
        let generator = Generator(model: model, endOfText: endOfText)
        _ = try generator.generate(prompts: prompts, options: options)
        for i in 0..<model.parameters.count { model.parameters[i] *= 1.25 }
        for batch in [prompts, Array(prompts.prefix(2)), prompts + prompts] {
            XCTAssertEqual(try generator.generate(prompts: batch, options: options),
                           try Generator(model: model, endOfText: endOfText).generate(prompts: batch, options: options))
        }
    }

    func testCachedSamplingEqualsFullRecomputation() throws {
        let model = try model()
        let generator = Generator(model: model, endOfText: endOfText)
        let streams = prompts.indices.map { SampleStream(step: 3, example: 10 + $0, candidate: $0 % 2) }
        let settings: [(String, SamplingOptions)] = [
            ("greedy", SamplingOptions(greedy: true, maxNewTokens: 9)),
            ("temperature", SamplingOptions(temperature: 0.7, maxNewTokens: 9, seed: 1)),
            ("top-k", SamplingOptions(temperature: 1.3, topK: 3, maxNewTokens: 9, seed: 2)),
            ("top-p", SamplingOptions(topP: 0.7, maxNewTokens: 9, seed: 3)),
            ("top-k and top-p", SamplingOptions(temperature: 2, topK: 5, topP: 0.8, maxNewTokens: 9, seed: 4)),
        ]
        var finishedEarly = 0, ranToTheLimit = 0
        for (name, options) in settings {
            let cached = try generator.generate(prompts: prompts, options: options, streams: streams)
            for (row, prompt) in prompts.enumerated() {
                let reference = try recomputed(model, prompt: prompt, options: options, stream: streams[row])
                XCTAssertEqual(cached[row].tokens, reference.tokens, "\(name), row \(row)")
                XCTAssertEqual(cached[row].endedWithEndOfText, reference.endedWithEndOfText, "\(name), row \(row)")
                XCTAssertLessThan(maxAbsoluteDifference(cached[row].logProbs, reference.logProbs), 1e-4, "\(name), row \(row)")
                if reference.endedWithEndOfText { finishedEarly += 1 } else { ranToTheLimit += 1 }
            }
        }
        // The comparison covers rows that stop at end-of-text while others go on, and rows that don't.
        XCTAssertGreaterThan(finishedEarly, 3)
        XCTAssertGreaterThan(ranToTheLimit, 3)
    }

    func testFinishedRowsAreNotRunAgain() throws {
        let model = try model()
        let generator = Generator(model: model, endOfText: 10) // a common token here: rows end at different steps
        let options = SamplingOptions(temperature: 1.5, maxNewTokens: 12, seed: 8)
        let decoder = GPT2Decoder(model: model, rows: prompts.count, capacity: 19)
        let continuations = try generator.generate(prompts: prompts, options: options, streams: nil, decoder: decoder)
        XCTAssertTrue(continuations.contains { $0.endedWithEndOfText && $0.tokens.count < options.maxNewTokens })
        XCTAssertTrue(continuations.contains { $0.tokens.count == options.maxNewTokens })
        // Every sampled token but a row's last is run through the model, and nothing after it: a row
        // that ended early stopped growing the step it ended.
        XCTAssertEqual(decoder.lengths, zip(prompts, continuations).map { $0.count + $1.tokens.count - 1 })
    }

    func testRowsStopAtAFullContextAndStayScorable() throws {
        let model = try model() // 40 positions
        let prompts: [[Int32]] = [[Int32](repeating: 3, count: 38), [1], [Int32](repeating: 2, count: 40)]
        let continuations = try Generator(model: model, endOfText: -1)
            .generate(prompts: prompts, options: SamplingOptions(maxNewTokens: 5))
        // The token after the last position is sampled but never fed back.
        XCTAssertEqual(continuations.map(\.tokens.count), [3, 5, 1])
        let scores = try SequenceScorer.score(model: model, pairs: zip(prompts, continuations).map { ($0, $1.tokens) }, padding: 0)
        for (score, continuation) in zip(scores, continuations) {
            XCTAssertLessThan(maxAbsoluteDifference(score.tokenLogProbs, continuation.logProbs), 1e-4)
        }
    }
}
