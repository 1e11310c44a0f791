import XCTest
@testable import CPOKit

final class GenerationAndScoringTests: XCTestCase {
    private func model() throws -> GPT2 {
        try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: 64, channels: 32, layers: 2, heads: 4), seed: 11)
    }

    func testScoresDoNotDependOnBatchCompositionAndMatchGeneration() throws {
        let model = try model()
        let tokenizer = ByteTokenizer()
        let prompts = ["abc", "a much longer prompt", "x"].map { tokenizer.encode($0) }
        let generated = try Generator(model: model, endOfText: tokenizer.endOfText)
            .generate(prompts: prompts, options: SamplingOptions(maxNewTokens: 10, seed: 5))
        let pairs = zip(prompts, generated).map { ($0, $1.tokens) }
        let together = try SequenceScorer.score(model: model, pairs: pairs, padding: tokenizer.endOfText)
        for (index, pair) in pairs.enumerated() {
            let alone = try SequenceScorer.score(model: model, pairs: [pair], padding: tokenizer.endOfText)[0]
            for (a, b) in zip(alone.tokenLogProbs, together[index].tokenLogProbs) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            // The sampler reports the model's own log-probabilities, which teacher forcing reproduces.
            for (a, b) in zip(alone.tokenLogProbs, generated[index].logProbs) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
    }

    func testSamplingIsReproducibleAndIndependentOfBatchLayout() throws {
        let model = try model()
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5], [6]]
        let generator = Generator(model: model, endOfText: 256)
        let options = SamplingOptions(temperature: 1.5, maxNewTokens: 12, seed: 9)
        let all = try generator.generate(prompts: prompts, options: options)
        XCTAssertEqual(try generator.generate(prompts: prompts, options: options), all)
        let last = try generator.generate(prompts: [prompts[2]], options: options, streams: [SampleStream(example: 2)])
        // Same tokens; log-probs may differ in the last bit, since sgemm rounds differently for other batch sizes.
        XCTAssertEqual(last[0].tokens, all[2].tokens)
        for (a, b) in zip(last[0].logProbs, all[2].logProbs) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        var otherSeed = options
        otherSeed.seed = 10
        XCTAssertNotEqual(try generator.generate(prompts: prompts, options: otherSeed).map(\.tokens), all.map(\.tokens))
    }

    func testGreedyEqualsArgmaxOfTeacherForcedLogits() throws {
        let model = try model()
        let prompt: [Int32] = [10, 20, 30]
        let continuation = try Generator(model: model, endOfText: 256)
            .generate(prompts: [prompt], options: SamplingOptions(greedy: true, maxNewTokens: 8))[0]
        let sequence = prompt + continuation.tokens
        try model.forward(tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count), batchSize: 1, length: sequence.count)
        let logits = model.logits(at: Array(0 ..< model.lastPassPositions))
        for (step, token) in continuation.tokens.enumerated() {
            let row = prompt.count - 1 + step
            let slice = Array(logits[row * 257 ..< (row + 1) * 257])
            XCTAssertEqual(Int(token), slice.indices.max { slice[$0] < slice[$1] })
        }
    }

    func testNonFiniteLogitsStopGenerationWithAnErrorNamingThePrompt() throws {
        let model = try model()
        // One NaN in the final LayerNorm's gain makes every logit NaN.
        model.layout.view("transformer.ln_f.weight", in: model.parameters)[3] = .nan
        for options in [SamplingOptions(greedy: true, maxNewTokens: 4), SamplingOptions(topP: 0.9, maxNewTokens: 4),
                        SamplingOptions(topK: 5, maxNewTokens: 4)] {
            XCTAssertThrowsError(try Generator(model: model, endOfText: 256)
                .generate(prompts: [[1, 2], [3]], options: options, streams: [SampleStream(example: 7), SampleStream(example: 8)])) { error in
                XCTAssertEqual(error as? NonFiniteLogitsError, NonFiniteLogitsError(stream: SampleStream(example: 7), position: 0))
                XCTAssertEqual("\(error)", "the model's next-token logits for prompt 8 at generated token 1 are not finite (NaN or infinite): "
                               + "its weights or activations overflowed, so no token can be sampled")
            }
        }
    }

    func testMaxNewTokensIsBoundedByTheContext() throws {
        let model = try model()
        let generator = Generator(model: model, endOfText: 999)
        // A row stops when its 64 positions are full: after a 1-token prompt that is 64 new tokens, the
        // last one a target only, never an input.
        let full = try generator.generate(prompts: [[1]], options: SamplingOptions(maxNewTokens: 64))
        XCTAssertEqual(full[0].tokens.count, 64, "the last position's prediction is kept, as a target")
        let start = Date()
        XCTAssertThrowsError(try generator.generate(prompts: [[1]], options: SamplingOptions(maxNewTokens: 1_000_000_000_000))) { error in
            XCTAssertEqual((error as? OptionError)?.option, "max-new-tokens", "\(error)")
            XCTAssertTrue("\(error)".contains("1...64"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testTooLongSequencesAreRejected() throws {
        let model = try model()
        XCTAssertThrowsError(try SequenceScorer.score(model: model, pairs: [([1], [Int32](repeating: 2, count: 70))], padding: 256)) {
            XCTAssertTrue($0 is SequenceTooLongError)
        }
    }
}
