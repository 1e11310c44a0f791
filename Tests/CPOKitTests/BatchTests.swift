import XCTest
@testable import CPOKit

final class BatchTests: XCTestCase {
    private let pad: Int32 = 256
    private let ignored = TrainingBatch.ignoredTarget

    private func example(prompt: [Int32], response: [Int32]) -> InstructionExample {
        InstructionExample(promptIDs: prompt, responseIDs: response, line: 1)
    }

    private func row(_ batch: TrainingBatch, _ index: Int) -> (inputs: [Int32], targets: [Int32]) {
        let range = index * batch.length ..< (index + 1) * batch.length
        return (Array(batch.inputs[range]), Array(batch.targets[range]))
    }

    func testFitKeepsWholeSequenceThatFits() {
        let fit = SequenceFit(promptCount: 3, continuationCount: 4, capacity: 7)
        XCTAssertEqual(fit.promptKept, 3)
        XCTAssertEqual(fit.continuationKept, 4)
        XCTAssertFalse(fit.isCut)
    }

    func testFitCutsPromptFromTheLeftWhenTheContinuationFitsInHalfTheWindow() {
        let fit = SequenceFit(promptCount: 9, continuationCount: 3, capacity: 8)
        XCTAssertEqual(fit.promptKept, 5)
        XCTAssertEqual(fit.continuationKept, 3)
        XCTAssertTrue(fit.isCut)
    }

    func testFitKeepsHalfTheWindowForThePromptAndCutsTheContinuationTail() {
        let fit = SequenceFit(promptCount: 9, continuationCount: 7, capacity: 8)
        XCTAssertEqual(fit.promptKept, 4)
        XCTAssertEqual(fit.continuationKept, 4)
        let shortPrompt = SequenceFit(promptCount: 2, continuationCount: 20, capacity: 8)
        XCTAssertEqual(shortPrompt.promptKept, 2)
        XCTAssertEqual(shortPrompt.continuationKept, 6)
    }

    func testFitAlwaysKeepsAPromptTokenAndAContinuationTokenAndFillsTheWindowWhenCutting() {
        for capacity in 2...12 {
            for promptCount in 1...14 {
                for continuationCount in 1...14 {
                    let fit = SequenceFit(promptCount: promptCount, continuationCount: continuationCount, capacity: capacity)
                    let label = "p=\(promptCount) c=\(continuationCount) capacity=\(capacity)"
                    XCTAssertGreaterThanOrEqual(fit.promptKept, 1, label)
                    XCTAssertGreaterThanOrEqual(fit.continuationKept, 1, label)
                    XCTAssertLessThanOrEqual(fit.promptKept, promptCount, label)
                    XCTAssertLessThanOrEqual(fit.continuationKept, continuationCount, label)
                    XCTAssertEqual(fit.isCut, promptCount + continuationCount > capacity, label)
                    XCTAssertEqual(fit.promptKept + fit.continuationKept, min(capacity, promptCount + continuationCount), label)
                    XCTAssertGreaterThanOrEqual(fit.promptKept, min(promptCount, capacity / 2), label)
                }
            }
        }
    }

    func testRowsMaskThePromptAndPadWithEndOfTextInputsAndIgnoredTargets() throws {
        let examples = [example(prompt: [10, 11, 12], response: [20, 21, 256]), example(prompt: [30], response: [40, 256])]
        let batch = try TrainingBatch(examples: examples, length: .fixed(6), padding: pad)
        XCTAssertEqual(batch.rows, 2)
        XCTAssertEqual(batch.length, 6)
        XCTAssertEqual(batch.inputs.count, 12)
        XCTAssertEqual(batch.truncatedRows, 0)
        XCTAssertEqual(row(batch, 0).inputs, [10, 11, 12, 20, 21, pad])
        XCTAssertEqual(row(batch, 0).targets, [ignored, ignored, 20, 21, 256, ignored])
        XCTAssertEqual(row(batch, 1).inputs, [30, 40, pad, pad, pad, pad])
        XCTAssertEqual(row(batch, 1).targets, [40, 256, ignored, ignored, ignored, ignored])
        XCTAssertEqual(batch.targetCount, 5)
    }

    func testUncutRowsTeachExactlyTheResponseAfterTheWholePrompt() throws {
        let examples = (1...5).map { n in
            example(prompt: (0..<Int32(n)).map { 100 + $0 }, response: (0..<Int32(6 - n)).map { 200 + $0 })
        }
        let batch = try TrainingBatch(examples: examples, length: .fixed(8), padding: pad)
        for (index, example) in examples.enumerated() {
            let (inputs, targets) = row(batch, index)
            XCTAssertEqual(targets.filter { $0 != ignored }, example.responseIDs)
            XCTAssertEqual(Array(inputs.prefix(example.promptIDs.count)), example.promptIDs)
            let firstTarget = targets.firstIndex { $0 != ignored }!
            XCTAssertEqual(firstTarget, example.promptIDs.count - 1, "the last prompt token predicts the first response token")
        }
    }

    func testOverlongRowsAreCutByTheFitRuleAndCounted() throws {
        let longPrompt = example(prompt: [1, 2, 3, 4, 5, 6], response: [7, 8])
        let longResponse = example(prompt: [1, 2], response: [3, 4, 5, 6, 7, 8, 9, 10])
        let fits = example(prompt: [1], response: [2])
        let batch = try TrainingBatch(examples: [longPrompt, longResponse, fits], length: .fixed(4), padding: pad)
        XCTAssertEqual(batch.truncatedRows, 2)
        XCTAssertEqual(row(batch, 0).inputs, [4, 5, 6, 7])
        XCTAssertEqual(row(batch, 0).targets, [ignored, ignored, 7, 8])
        XCTAssertEqual(row(batch, 1).inputs, [1, 2, 3, 4])
        XCTAssertEqual(row(batch, 1).targets, [ignored, 3, 4, 5])
        for index in 0..<batch.rows {
            XCTAssertTrue(row(batch, index).targets.contains { $0 != ignored }, "row \(index) has nothing to learn")
        }
    }

    func testVariableLengthUsesTheLongestRowUpToTheCap() throws {
        let examples = [example(prompt: [1, 2, 3], response: [4, 5]), example(prompt: [1], response: [2])]
        let longest = try TrainingBatch(examples: examples, length: .longest(cap: 100), padding: pad)
        XCTAssertEqual(longest.length, 4)
        XCTAssertEqual(longest.truncatedRows, 0)
        XCTAssertEqual(row(longest, 1).inputs, [1, pad, pad, pad])
        let capped = try TrainingBatch(examples: examples, length: .longest(cap: 3), padding: pad)
        XCTAssertEqual(capped.length, 3)
        XCTAssertEqual(capped.truncatedRows, 1)
        let fixed = try TrainingBatch(examples: examples, length: .fixed(4), padding: pad)
        XCTAssertEqual(fixed, longest)
    }

    func testEmptyBatchAndZeroLengthAreErrors() {
        XCTAssertThrowsError(try TrainingBatch(examples: [], length: .fixed(4), padding: pad)) { error in
            guard case .invalidSetting = error as? DataError else { return XCTFail("unexpected error \(error)") }
        }
        for length in [SequenceLength.fixed(0), .longest(cap: 0)] {
            XCTAssertThrowsError(try TrainingBatch(examples: [example(prompt: [1], response: [2])], length: length, padding: pad)) { error in
                guard case let .invalidSetting(name, _) = error as? DataError else { return XCTFail("unexpected error \(error)") }
                XCTAssertEqual(name, "sequence length")
            }
        }
    }
}
