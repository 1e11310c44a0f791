import XCTest
@testable import CPOKit

/// Properties of the negatives made from the data alone or by editing the ground truth: BN, TN,
/// file negatives and MN.
final class NegativeEditTests: XCTestCase {
    private let eot = NegativeFixtures.endOfText

    private func slots(steps: Range<Int>, examples: Range<Int>, candidates: ClosedRange<Int>) -> [NegativeSlot] {
        steps.flatMap { step in
            examples.flatMap { example in candidates.map { NegativeSlot(step: step, example: example, candidate: $0) } }
        }
    }

    func testBatchNegativesAreDistinctOtherExamplesChosenAtRandom() throws {
        let batch = NegativeFixtures.batch(count: 6)
        let negatives = try BatchNegatives(seed: 9).make(for: slots(steps: 0..<30, examples: 0..<6, candidates: 1...5), in: batch)
        var chosenFirst: [Int: Set<Int>] = [:]
        for group in Dictionary(grouping: negatives, by: { [$0.slot.step, $0.slot.example] }).values {
            let example = group[0].slot.example
            // Responses start with their example's index, so the content names the example it came from.
            let sources = group.map { negative in batch.firstIndex { $0.responseIDs == negative.tokens }! }
            XCTAssertFalse(sources.contains(example))
            XCTAssertEqual(Set(sources).count, 5, "K − 1 = 5 distinct others")
            chosenFirst[example, default: []].insert(sources[group.firstIndex { $0.slot.candidate == 1 }!])
        }
        for (example, chosen) in chosenFirst { XCTAssertEqual(chosen.count, 5, "example \(example)'s candidate 1 meets every other over 30 steps") }
    }

    func testBatchNegativesKeepAnOtherExampleWithTheSameResponse() throws {
        let batch = [NegativeFixtures.example(prompt: [1], response: [5, 6, eot], line: 1),
                     NegativeFixtures.example(prompt: [2], response: [5, 6, eot], line: 2)]
        let negative = try BatchNegatives(seed: 1).make(for: [NegativeSlot(step: 0, example: 0, candidate: 1)], in: batch)[0]
        // Chosen by index, so content equal to the truth comes back: the objective's duplicate rule masks it.
        XCTAssertEqual(negative.tokens, batch[0].responseIDs)
    }

    func testBatchNegativesNeedAsManyOtherExamplesAsNegatives() {
        let batch = NegativeFixtures.batch(count: 3)
        let slot = NegativeSlot(step: 0, example: 1, candidate: 3)
        XCTAssertThrowsError(try BatchNegatives(seed: 1).make(for: [slot], in: batch)) { error in
            XCTAssertEqual(error as? NegativeError, .tooFewOtherExamples(slot, batchSize: 3))
            XCTAssertTrue("\(error)".contains("at least 3 other examples") && "\(error)".contains("has 2"), "\(error)")
        }
    }

    func testSlotsOutsideTheBatchOrOnTheGroundTruthAreRejected() {
        let batch = NegativeFixtures.batch(count: 3)
        for slot in [NegativeSlot(step: 0, example: 3, candidate: 1), NegativeSlot(step: 0, example: 0, candidate: 0)] {
            XCTAssertThrowsError(try TruncationNegatives(seed: 1, endOfText: eot).make(for: [slot], in: batch)) {
                XCTAssertEqual($0 as? NegativeError, .invalidSlot(slot, batchSize: 3))
            }
        }
    }

    func testTruncationKeepsAStrictPrefixAndAppendsEndOfText() throws {
        let batch = NegativeFixtures.batch(count: 4)
        let negatives = try TruncationNegatives(seed: 4, endOfText: eot).make(for: slots(steps: 0..<60, examples: 0..<4, candidates: 1...3), in: batch)
        var kept: [Int: Set<Int>] = [:]
        for negative in negatives {
            let body = batch[negative.slot.example].responseIDs.dropLast()
            XCTAssertEqual(negative.tokens.last, eot)
            let prefix = negative.tokens.dropLast()
            XCTAssertTrue((1 ..< body.count).contains(prefix.count), "u = \(prefix.count) for |y| = \(body.count)")
            XCTAssertEqual(Array(prefix), Array(body.prefix(prefix.count)))
            kept[negative.slot.example, default: []].insert(prefix.count)
        }
        for (example, lengths) in kept { XCTAssertEqual(lengths, Set(1 ..< batch[example].responseIDs.count - 1), "every u occurs") }
    }

    func testTruncationOfOneTokenIsTheEmptyAnswerAndOfNoneAnError() throws {
        let batch = [NegativeFixtures.example(prompt: [1], response: [7, eot], line: 4),
                     NegativeFixtures.example(prompt: [1], response: [eot], line: 9)]
        let maker = TruncationNegatives(seed: 1, endOfText: eot)
        XCTAssertEqual(try maker.make(for: [NegativeSlot(step: 0, example: 0, candidate: 1)], in: batch)[0].tokens, [eot])
        XCTAssertThrowsError(try maker.make(for: [NegativeSlot(step: 0, example: 1, candidate: 1)], in: batch)) { error in
            XCTAssertEqual(error as? NegativeError, .responseTooShort(.tn, line: 9, tokens: 0, needed: 1))
            XCTAssertTrue("\(error)".hasPrefix("data line 9:"), "\(error)")
        }
    }

    func testFileNegativesAreTheLinesOwnAndDistinct() throws {
        let batch = NegativeFixtures.batch(count: 3, fileNegatives: 4)
        let negatives = try FileNegatives(seed: 2).make(for: slots(steps: 0..<20, examples: 0..<3, candidates: 1...3), in: batch)
        var used: [Int: Set<[Int32]>] = [:]
        for group in Dictionary(grouping: negatives, by: { [$0.slot.step, $0.slot.example] }).values {
            let own = batch[group[0].slot.example].negativeIDs
            XCTAssertTrue(group.allSatisfy { own.contains($0.tokens) })
            XCTAssertEqual(Set(group.map(\.tokens)).count, 3)
            used[group[0].slot.example, default: []].formUnion(group.map(\.tokens))
        }
        for (example, tokens) in used { XCTAssertEqual(tokens.count, 4, "example \(example) uses all its file negatives over the steps") }
    }

    func testTooFewFileNegativesNamesTheLine() {
        let batch = NegativeFixtures.batch(count: 2, fileNegatives: 1)
        let slot = NegativeSlot(step: 0, example: 1, candidate: 2)
        XCTAssertThrowsError(try FileNegatives(seed: 2).make(for: [slot], in: batch)) { error in
            XCTAssertEqual(error as? NegativeError, .tooFewFileNegatives(slot, line: 2, available: 1))
            XCTAssertTrue("\(error)".hasPrefix("data line 2:"), "\(error)")
        }
    }

    func testMeanfieldReplacesExactlyCeilingOfCTimesLengthTokens() throws {
        let batch = NegativeFixtures.batch(count: 5)
        let model = try NegativeFixtures.model()
        for fraction in [0.25, 0.5, 1] {
            let maker = try MeanfieldNegatives(reference: model, fraction: fraction, seed: 3, endOfText: eot, rowsPerPass: 2)
            for negative in try maker.make(for: slots(steps: 0..<10, examples: 0..<5, candidates: 1...3), in: batch) {
                let truth = batch[negative.slot.example].responseIDs
                XCTAssertEqual(negative.tokens.count, truth.count)
                XCTAssertEqual(negative.tokens.last, eot, "the end-of-text stays")
                let changed = zip(negative.tokens, truth).filter { $0 != $1 }.count
                // ⌈c·|y|⌉, with |y| counting the tokens before end-of-text; c·|y| is exact in binary here.
                XCTAssertEqual(changed, Int((fraction * Double(truth.count - 1)).rounded(.up)), "c = \(fraction), \(negative.slot)")
            }
        }
    }

    func testReplacedCountIsTheCeilingOfTheIntendedProduct() {
        XCTAssertEqual(MeanfieldNegatives.replacedCount(fraction: 0.1, tokens: 30), 3)
        XCTAssertEqual(MeanfieldNegatives.replacedCount(fraction: 0.25, tokens: 5), 2)
        XCTAssertEqual(MeanfieldNegatives.replacedCount(fraction: 0.01, tokens: 3), 1)
        XCTAssertEqual(MeanfieldNegatives.replacedCount(fraction: 1, tokens: 7), 7)
    }

    /// With c = 1 every token is replaced; at the first position the replacements must follow
    /// π_ref(·|x) renormalised without the true token.
    func testMeanfieldReplacementsFollowTheReferenceWithoutTheTrueToken() throws {
        let model = try NegativeFixtures.model(initializerRange: 0.4)
        let prompt: [Int32] = [10, 20, 30]
        try model.forward(tokens: prompt, targets: [-1, -1, -1], batchSize: 1, length: 3)
        let logits = model.logits(at: [2]).map(Double.init)
        let top = logits.indices.sorted { logits[$0] > logits[$1] }
        let truth = Int32(top[0])
        let batch = [NegativeFixtures.example(prompt: prompt, response: [truth, 5, eot])]
        let draws = 4000
        let maker = try MeanfieldNegatives(reference: model, fraction: 1, seed: 8, endOfText: eot)
        let negatives = try maker.make(for: (1...draws).map { NegativeSlot(step: 0, example: 0, candidate: $0) }, in: batch)
        XCTAssertFalse(negatives.contains { $0.tokens[0] == truth || $0.tokens[1] == 5 })
        let maximum = logits.max()!
        let mass = logits.indices.reduce(0.0) { $0 + ($1 == Int(truth) ? 0 : exp(logits[$1] - maximum)) }
        for token in top[1...3] {
            let p = exp(logits[token] - maximum) / mass
            let observed = Double(negatives.count { $0.tokens[0] == Int32(token) })
            let sigma = (Double(draws) * p * (1 - p)).squareRoot()
            XCTAssertGreaterThan(p, 0.02, "the model is peaky enough for the test to mean something")
            XCTAssertLessThan(abs(observed - Double(draws) * p), 5 * sigma, "token \(token): \(observed) of \(draws), p = \(p)")
        }
    }

    func testMeanfieldRejectsBadFractionsAndEmptyResponses() throws {
        let model = try NegativeFixtures.model()
        for fraction in [0, -0.5, 1.5, .nan] {
            XCTAssertThrowsError(try MeanfieldNegatives(reference: model, fraction: fraction, seed: 1, endOfText: eot)) {
                XCTAssertEqual(($0 as? OptionError)?.option, "meanfield-fraction")
            }
        }
        let batch = [NegativeFixtures.example(prompt: [1], response: [eot], line: 12)]
        XCTAssertThrowsError(try MeanfieldNegatives(reference: model, seed: 1, endOfText: eot)
            .make(for: [NegativeSlot(step: 0, example: 0, candidate: 1)], in: batch)) {
            XCTAssertEqual($0 as? NegativeError, .responseTooShort(.mn, line: 12, tokens: 0, needed: 1))
        }
    }
}
