import XCTest
@testable import CPOKit

final class VerifierJudgeTests: XCTestCase {
    func testVerdictsFollowWhichSideIsRight() throws {
        let right = "1 3", wrong = "3 1"
        // (generation, reference) → verdict
        let table: [(String, String, Verdict)] = [(right, wrong, .win), (right, right, .tie), (wrong, wrong, .tie), (wrong, right, .loss)]
        let examples = table.map { EvaluationExample.forTests("sort: 3 1", reference: $0.1) }
        let judgements = try VerifierJudge().judge(examples, generations: table.map(\.0))
        XCTAssertEqual(judgements.map(\.verdict), table.map(\.2))
        XCTAssertEqual(judgements.map(\.generationCorrect), [true, true, false, false])
        XCTAssertEqual(judgements.map(\.referenceCorrect), [false, true, false, true])
        XCTAssertEqual(judgements[0].details["task"], .string("sort"))
    }

    func testTrailingWhitespaceIsAllowedAndOtherTasksAreFound() throws {
        let examples = [EvaluationExample.forTests("reverse: abc", reference: "cba"), EvaluationExample.forTests("add: 12 + 30", reference: "41")]
        let judgements = try VerifierJudge().judge(examples, generations: ["cba\n", "42"])
        XCTAssertEqual(judgements.map(\.verdict), [.tie, .win])
    }

    func testAPromptOfNoBuiltInTaskNamesFileAndLine() {
        let examples = [EvaluationExample.forTests("sort: 2 1", reference: "1 2", line: 1), EvaluationExample.forTests("Name a colour.", reference: "Blue", line: 2)]
        XCTAssertThrowsError(try VerifierJudge().check(examples)) { error in
            XCTAssertEqual(error as? EvaluationError, .noBuiltInTask(file: "file.jsonl", line: 2, tasks: SyntheticTasks.names))
            XCTAssertTrue("\(error)".contains("file.jsonl:2"), "\(error)")
        }
    }
}
