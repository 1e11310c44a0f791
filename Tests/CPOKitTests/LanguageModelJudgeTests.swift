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

    func testEqualTextsTieAndTooLongTextsAreInvalid() throws {
        let judge = try judge(maxPositions: 48)
        let example = EvaluationExample.forTests("hi", reference: "abc")
        let judgements = try judge.judge([example, example], generations: ["abc", String(repeating: "x", count: 40)])
        XCTAssertEqual(judgements.map(\.verdict), [.tie, .invalid])
    }
}
