import XCTest
@testable import CPOKit

/// `generate` and `score` cut rows longer than the model's context by the rule of training rows.
final class ContextCutTests: XCTestCase {
    private let prompt = (0..<40).map(Int32.init), continuation = (100..<130).map(Int32.init)

    func testScoringCutsAsTrainingRowsAreCut() {
        let whole = ContextCut(scoring: prompt, continuation: continuation, positions: 69)
        XCTAssertEqual(whole, ContextCut(scoring: prompt, continuation: continuation, positions: 1000))
        XCTAssertFalse(whole.isCut, "40 + 30 tokens take 69 positions: the last token is only a target")
        let cut = ContextCut(scoring: prompt, continuation: continuation, positions: 50)
        let fit = SequenceFit(promptCount: 40, continuationCount: 30, capacity: 51)
        XCTAssertEqual(cut.prompt, Array(prompt.suffix(fit.promptKept)), "the prompt keeps its end")
        XCTAssertEqual(cut.continuation, Array(continuation.prefix(fit.continuationKept)), "the continuation its start")
        XCTAssertEqual(cut.prompt.count + cut.continuation.count - 1, 50, "it fills the context")
        XCTAssertEqual([cut.promptTokensCut, cut.continuationTokensCut], [40 - fit.promptKept, 30 - fit.continuationKept])
        XCTAssertTrue(cut.isCut)
    }

    func testGenerationCutsOnlyAPromptLongerThanTheContext() {
        // A prompt that fits is kept whole, even when it leaves less room than --max-new-tokens.
        let fits = ContextCut(generating: prompt, maxNewTokens: 30, positions: 40)
        XCTAssertEqual(fits.prompt, prompt)
        XCTAssertFalse(fits.isCut)
        // One that does not leaves --max-new-tokens room, keeping at least half the context.
        let roomy = ContextCut(generating: prompt, maxNewTokens: 10, positions: 32)
        XCTAssertEqual(roomy.prompt, Array(prompt.suffix(23)), "32 + 1 − 10 tokens")
        XCTAssertEqual(roomy.promptTokensCut, 17)
        let half = ContextCut(generating: prompt, maxNewTokens: 30, positions: 32)
        XCTAssertEqual(half.prompt, Array(prompt.suffix(16)), "half of 33")
        XCTAssertEqual(SequenceFit(promptCount: 40, continuationCount: 30, capacity: 33).promptKept, 16, "the rule of training rows")
    }
}
