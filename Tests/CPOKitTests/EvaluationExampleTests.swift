import XCTest
@testable import CPOKit

final class EvaluationExampleTests: XCTestCase {
    /// Held-out rows longer than the model's context are cut as training rows are: the prompt keeps
    /// its end, the scored reference its start, and the texts judged stay whole.
    func testRowsLongerThanTheContextAreCutLikeTrainingRows() {
        let example = EvaluationExample.forTests(String(repeating: "p", count: 40), reference: String(repeating: "r", count: 30))
        XCTAssertEqual(example.fitted(to: 200).promptIDs, example.promptIDs, "a row that fits is left alone")
        let cut = example.fitted(to: 50)
        let fit = SequenceFit(promptCount: example.promptIDs.count, continuationCount: example.referenceIDs.count, capacity: 51)
        XCTAssertEqual(cut.promptIDs, Array(example.promptIDs.suffix(fit.promptKept)))
        XCTAssertEqual(cut.referenceIDs, Array(example.referenceIDs.prefix(fit.continuationKept)))
        XCTAssertEqual(cut.promptIDs.count + cut.referenceIDs.count - 1, 50, "it fills the context")
        XCTAssertEqual(cut.prompt, example.prompt)
        XCTAssertEqual(cut.reference, example.reference)
    }
}
