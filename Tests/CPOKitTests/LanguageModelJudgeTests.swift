import XCTest
@testable import CPOKit

final class LanguageModelJudgeTests: XCTestCase {
    private func judge(maxPositions: Int = 64) throws -> LanguageModelJudge {
        let model = try GPT2(config: GPT2Config(vocabularySize: 257, maxPositions: maxPositions, channels: 16, layers: 1, heads: 2), seed: 5)
        return LanguageModelJudge(model: model, tokenizer: ByteTokenizer())
    }

    /// Judges texts as `Evaluation` does: the generated tokens are the texts' bytes.
    private func judgeTexts(_ judge: LanguageModelJudge, _ examples: [EvaluationExample], _ generations: [String]) throws -> [Judgement] {
        try judge.judge(examples, generations: generations, generationIDs: generations.map { ByteTokenizer().encode($0) })
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
        let judgements = try judgeTexts(judge, [example, swapped], [generation, example.reference])
        XCTAssertEqual(judgements.map(\.verdict), expected ? [.win, .loss] : [.loss, .win])
        XCTAssertNotNil(judgements[0].details["generation_mean_logprob"])
    }

    func testEqualTextsTie() throws {
        let judge = try judge(maxPositions: 48)
        let example = EvaluationExample.forTests("hi", reference: "abc")
        XCTAssertEqual(try judgeTexts(judge, [example], ["abc"]).map(\.verdict), [.tie])
    }

    /// Too long for the judge's context: prompt end and the texts' first tokens are judged, as a
    /// training row would be cut.
    func testTooLongTextsAreJudgedOnTheirFirstTokens() throws {
        let judge = try judge(maxPositions: 24)
        let prompt = String(repeating: "p", count: 30), reference = String(repeating: "r", count: 40)
        let generation = String(repeating: "g", count: 35)
        let example = EvaluationExample.forTests(prompt, reference: reference)
        let judgement = try judgeTexts(judge, [example], [generation])[0]
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

    /// A token-id example is scored as ids: the generated tokens and the reference, each ended by
    /// the judge's end-of-text (a reference that already ends with it is not given a second one).
    func testTokenIDExamplesAreScoredAsTheirIDs() throws {
        let model = try GPT2(config: GPT2Config(vocabularySize: 61, maxPositions: 32, channels: 16, layers: 1, heads: 2), seed: 5)
        let judge = LanguageModelJudge(model: model, tokenizer: TokenIDsOnly(vocabularySize: 61, endOfText: 60, reason: "no tokenizer files"))
        let tokenizer = TokenIDsOnly(vocabularySize: 61, endOfText: 60, reason: "none")
        let example = EvaluationExample(InstructionExample(promptIDs: [3, 4, 5], responseIDs: [6, 7, 60], line: 2), file: "ids.jsonl",
                                        tokenizer: tokenizer)
        let generation: [Int32] = [9, 9, 9, 9]
        let judgement = try judge.judge([example], generations: [""], generationIDs: [generation])[0]
        func mean(_ continuation: [Int32]) throws -> Double {
            let score = try SequenceScorer.score(model: model, pairs: [([3, 4, 5], continuation)], padding: 60)[0]
            return score.logProb / Double(score.tokenLogProbs.count)
        }
        XCTAssertEqual(judgement.details["generation_mean_logprob"], .number(try mean(generation + [60])))
        XCTAssertEqual(judgement.details["reference_mean_logprob"], .number(try mean([6, 7, 60])))
        XCTAssertEqual(try judge.judge([example], generations: [""], generationIDs: [[6, 7]])[0].verdict, .tie)
    }

    func testTokenIDsBeyondTheJudgesVocabularyAreAnError() throws {
        let judge = try judge()
        let example = EvaluationExample(InstructionExample(promptIDs: [3, 300], responseIDs: [6], line: 7), file: "ids.jsonl",
                                        tokenizer: TokenIDsOnly(vocabularySize: 400, endOfText: 0, reason: "none"))
        XCTAssertThrowsError(try judge.check([example])) {
            XCTAssertEqual($0 as? EvaluationError, .tokenOutsideJudgeVocabulary(file: "ids.jsonl", line: 7, token: 300, vocabularySize: 257))
        }
    }

    func testAJudgeWithoutTokenizerRefusesTextExamples() throws {
        let judge = LanguageModelJudge(model: try judge().model, tokenizer: TokenIDsOnly(vocabularySize: 257, endOfText: 256, reason: "no files"))
        XCTAssertThrowsError(try judge.check([EvaluationExample.forTests("hi", reference: "there", line: 3)])) {
            XCTAssertTrue("\($0)".contains("file.jsonl:3 is text, and no files"), "\($0)")
        }
    }
}
