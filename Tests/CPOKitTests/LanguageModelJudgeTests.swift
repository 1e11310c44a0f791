import XCTest
@testable import CPOKit

final class LanguageModelJudgeTests: XCTestCase {
    private func judge(maxPositions: Int = 64) throws -> LanguageModelJudge {
        let model = try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: maxPositions, channels: 16, layers: 1, heads: 2), seed: 5)
        return LanguageModelJudge(model: model, tokenizer: ByteTokenizer())
    }

    private func meanLogProb(_ judge: LanguageModelJudge, prompt: String, text: String) throws -> Double {
        let tokenizer = ByteTokenizer()
        let score = try SequenceScorer.score(model: judge.model, pairs: [(tokenizer.encode(prompt), tokenizer.encode(text) + [tokenizer.endOfText])],
                                             padding: tokenizer.endOfText)[0]
        return score.logProb / Double(score.tokenLogProbs.count)
    }

    func testTheHigherMeanLogProbWins() throws {
        let judge = try judge()
        let example = EvaluationExample.forTests("say something", reference: "hello there")
        let generation = "qqqqzzzz"
        let expected = try meanLogProb(judge, prompt: example.prompt, text: generation) > meanLogProb(judge, prompt: example.prompt, text: example.reference)
        let swapped = EvaluationExample.forTests("say something", reference: generation)
        let judgements = try judge.judge([example, swapped], generations: [generation, example.reference])
        XCTAssertEqual(judgements.map(\.verdict), expected ? [.win, .loss] : [.loss, .win])
        XCTAssertNotNil(judgements[0].details["generation_mean_logprob"])
    }

    func testEqualTextsTie() throws {
        let judge = try judge(maxPositions: 48)
        let example = EvaluationExample.forTests("hi", reference: "abc")
        XCTAssertEqual(try judge.judge([example], generations: ["abc"]).map(\.verdict), [.tie])
    }

    /// Too long for the judge's context: prompt end and the texts' first tokens are judged, as a
    /// training row would be cut.
    func testTooLongTextsAreJudgedOnTheirFirstTokens() throws {
        let judge = try judge(maxPositions: 24)
        let prompt = String(repeating: "p", count: 30), reference = String(repeating: "r", count: 40)
        let generation = String(repeating: "g", count: 35)
        let example = EvaluationExample.forTests(prompt, reference: reference)
        let judgement = try judge.judge([example], generations: [generation])[0]
        // A prompt of over 12 tokens and a 41-token text (with end-of-text) in 25 positions: the
        // prompt keeps its last 12 tokens (half the window), the texts their first 13.
        let kept = (prompt: String(example.prompt.suffix(12)), generation: String(generation.prefix(13)), reference: String(reference.prefix(13)))
        func mean(_ text: String) throws -> Double {
            let tokenizer = ByteTokenizer()
            let continuation = Array((tokenizer.encode(text) + [tokenizer.endOfText]).prefix(13))
            let score = try SequenceScorer.score(model: judge.model, pairs: [(tokenizer.encode(kept.prompt), continuation)],
                                                 padding: tokenizer.endOfText)[0]
            return score.logProb / Double(score.tokenLogProbs.count)
        }
        XCTAssertEqual(judgement.details["generation_mean_logprob"], .number(try mean(kept.generation)))
        XCTAssertEqual(judgement.details["reference_mean_logprob"], .number(try mean(kept.reference)))
        XCTAssertNotEqual(judgement.verdict, .invalid)
    }
}
