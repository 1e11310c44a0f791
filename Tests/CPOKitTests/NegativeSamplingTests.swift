import XCTest
@testable import CPOKit

/// AN: sampled negatives, their free reference scores and their lengths.
final class NegativeSamplingTests: XCTestCase {
    private let eot = NegativeFixtures.endOfText

    private func maker(_ model: GPT2, _ sampling: SamplingOptions = SamplingOptions(seed: 21), isReference: Bool = true,
                       length: AutoregressiveNegatives.Length = .groundTruthPlus(8)) throws -> AutoregressiveNegatives {
        try AutoregressiveNegatives(model: model, modelIsReference: isReference, sampling: sampling, length: length, endOfText: eot)
    }

    private func slots(examples: Int, candidates: ClosedRange<Int>, step: Int = 2) -> [NegativeSlot] {
        (0..<examples).flatMap { example in candidates.map { NegativeSlot(step: step, example: example, candidate: $0) } }
    }

    func testSamplesAreReproducibleFromTheSeedAndDifferAcrossSlots() throws {
        let model = try NegativeFixtures.model()
        let batch = NegativeFixtures.batch(count: 3)
        let slots = slots(examples: 3, candidates: 1...3)
        let negatives = try maker(model).make(for: slots, in: batch)
        XCTAssertEqual(try maker(model).make(for: slots, in: batch), negatives)
        XCTAssertEqual(Set(negatives.map(\.tokens)).count, negatives.count, "each slot has its own stream")
        XCTAssertNotEqual(try maker(model, SamplingOptions(seed: 22)).make(for: slots, in: batch).map(\.tokens), negatives.map(\.tokens))
        XCTAssertEqual(negatives.map(\.kind), Array(repeating: .an, count: slots.count))
    }

    func testNearZeroTemperatureIsGreedyDecoding() throws {
        let model = try NegativeFixtures.model(initializerRange: 0.4)
        let batch = NegativeFixtures.batch(count: 4)
        let slots = slots(examples: 4, candidates: 1...2)
        let greedy = try maker(model, SamplingOptions(greedy: true)).make(for: slots, in: batch)
        let cold = try maker(model, SamplingOptions(temperature: 1e-4, seed: 21)).make(for: slots, in: batch)
        let warm = try maker(model, SamplingOptions(temperature: 1, seed: 21)).make(for: slots, in: batch)
        XCTAssertEqual(cold.map(\.tokens), greedy.map(\.tokens))
        XCTAssertNotEqual(warm.map(\.tokens), greedy.map(\.tokens), "at temperature 1 sampling is not greedy")
    }

    /// The sampler's log-probs are the model's own (temperature 1, untruncated) whatever the
    /// sampling options, so they equal π_ref's teacher-forced score.
    func testFreeReferenceScoreEqualsTeacherForcedScore() throws {
        let model = try NegativeFixtures.model(initializerRange: 0.1)
        let batch = NegativeFixtures.batch(count: 4)
        let slots = slots(examples: 4, candidates: 1...3)
        for sampling in [SamplingOptions(seed: 5), SamplingOptions(temperature: 0.7, topK: 20, topP: 0.9, seed: 5),
                         SamplingOptions(temperature: 2, topK: 3, seed: 5)] {
            let negatives = try maker(model, sampling).make(for: slots, in: batch)
            let scores = try SequenceScorer.score(model: model, pairs: negatives.map { (batch[$0.slot.example].promptIDs, $0.tokens) },
                                                  padding: eot)
            for (negative, score) in zip(negatives, scores) {
                let free = try XCTUnwrap(negative.referenceLogProb)
                XCTAssertEqual(free, score.logProb, accuracy: 1e-4, "\(sampling), \(negative.slot)")
            }
        }
    }

    func testOnPolicySamplesLeaveTheReferenceScoreToBeComputed() throws {
        let model = try NegativeFixtures.model()
        let negatives = try maker(model, isReference: false).make(for: slots(examples: 2, candidates: 1...1), in: NegativeFixtures.batch(count: 2))
        XCTAssertEqual(negatives.map(\.referenceLogProb), [nil, nil])
    }

    func testSamplesStopAtEndOfTextOrTheirLengthLimit() throws {
        // A model that often likes end-of-text, so both ways of stopping occur: the final norm's bias
        // shifts channel 0, which only end-of-text's (tied) output embedding reads strongly.
        let model = try NegativeFixtures.model()
        model.layout.view("transformer.ln_f.bias", in: model.parameters)[0] = 1
        model.layout.view("transformer.wte.weight", in: model.parameters)[Int(eot) * 32] = 6
        let batch = NegativeFixtures.batch(count: 6)
        let slots = slots(examples: 6, candidates: 1...4)
        for (length, limit) in [(AutoregressiveNegatives.Length.groundTruthPlus(2), { (y: Int) in y + 2 }), (.fixed(3), { _ in 3 })] {
            let negatives = try maker(model, SamplingOptions(temperature: 1.5, seed: 3), length: length).make(for: slots, in: batch)
            var endings = Set<Bool>()
            for negative in negatives {
                let limit = limit(batch[negative.slot.example].responseIDs.count)
                let ended = negative.tokens.last == eot
                XCTAssertEqual(negative.tokens.dropLast().contains(eot), false, "sampling stops at the first end-of-text")
                XCTAssertTrue(ended ? negative.tokens.count <= limit : negative.tokens.count == limit, "\(length): \(negative.tokens)")
                endings.insert(ended)
            }
            XCTAssertEqual(endings, [true, false], "\(length): some samples end, some are cut")
        }
    }

    func testInvalidSamplingOptionsAreRejectedUpFront() throws {
        let model = try NegativeFixtures.model()
        for (sampling, length, option) in [(SamplingOptions(temperature: 0), AutoregressiveNegatives.Length.groundTruthPlus(8), "temperature"),
                                           (SamplingOptions(), .fixed(0), "max-new-tokens")] {
            XCTAssertThrowsError(try maker(model, sampling, length: length)) { XCTAssertEqual(($0 as? OptionError)?.option, option) }
        }
    }
}
