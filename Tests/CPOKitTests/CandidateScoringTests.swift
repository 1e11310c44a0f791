import Foundation
import XCTest
@testable import CPOKit

/// The PyTorch CPO reference in Fixtures/gpt2-tiny: π_θ is model.safetensors, π_ref is ref/.
enum CPOFixture {
    struct Batch: Decodable {
        struct Example: Decodable {
            let prompt: [Int32]
            let candidates: [[Int32]]
            let rank_order: [Int]
        }
        let beta: Double
        let K: Int
        let examples: [Example]

        /// Every candidate of every example, ground truth first; the fixture's candidates carry no EOS.
        var rows: [CandidateRow] {
            examples.enumerated().flatMap { e, example in
                example.candidates.enumerated().map { CandidateRow(example: e, candidate: $0, prompt: example.prompt, continuation: $1) }
            }
        }
    }

    static func batch() throws -> Batch { try JSONDecoder().decode(Batch.self, from: Data(contentsOf: GPT2Fixture.file("cpo_batch.json"))) }
    static func expected() throws -> SafetensorsReader { try SafetensorsReader(url: GPT2Fixture.file("cpo_expected.safetensors")) }

    static func reference() throws -> GPT2 {
        let folder = GPT2Fixture.folder.appendingPathComponent("ref")
        return try GPT2(config: GPT2Config.load(from: folder.appendingPathComponent("config.json")),
                        checkpoint: SafetensorsReader(url: folder.appendingPathComponent("model.safetensors")))
    }

    /// Token 0 is an ordinary token here; padding never reaches a scored position, whatever it is.
    static let padding: Int32 = 0
}

final class CandidateScoringTests: XCTestCase {
    func testSequenceLogProbsMatchPyTorch() throws {
        let batch = try CPOFixture.batch(), expected = try CPOFixture.expected()
        for (model, name) in [(try GPT2Fixture.model(), "logp.policy"), (try CPOFixture.reference(), "logp.ref")] {
            let scores = try CandidateScorer(model: model, padding: CPOFixture.padding).score(batch.rows)
            let reference = try expected.floats(name)
            XCTAssertEqual(reference.shape, [batch.examples.count, batch.K])
            XCTAssertLessThan(maxAbsoluteDifference(scores.logProbs.map(Float.init), reference.values), 1e-5, name)
            for (row, (sum, mean)) in zip(batch.rows, zip(scores.logProbs, scores.meanTokenLogProbs)) {
                XCTAssertEqual(mean, sum / Double(row.continuation.count), accuracy: 1e-12)
            }
        }
    }

    /// A padded batch gives each row what it gets alone, and the pooled state is the mean over the
    /// positions whose targets are the continuation tokens, prompt−1 … prompt+|y|−2.
    func testScoresAndPooledStatesAreThoseOfEachRowAlone() throws {
        let model = try CPOFixture.reference()
        let rows = try CPOFixture.batch().rows
        let scorer = CandidateScorer(model: model, padding: CPOFixture.padding)
        let together = try scorer.score(rows, poolHiddenStates: true)
        let channels = model.config.channels
        XCTAssertEqual(together.pooledHiddenStates.count, rows.count)
        for (index, row) in rows.enumerated() {
            let sequence = row.prompt + row.continuation
            try model.forward(tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count), batchSize: 1, length: sequence.count)
            let states = model.hiddenStates
            let positions = (row.prompt.count - 1) ..< (sequence.count - 1)
            let direct = (0..<channels).map { c in positions.reduce(Float(0)) { $0 + states[$1 * channels + c] } / Float(positions.count) }
            XCTAssertLessThan(maxAbsoluteDifference(together.pooledHiddenStates[index], direct), 1e-5, "row \(index)")

            let alone = try scorer.score([row], poolHiddenStates: true)
            XCTAssertEqual(alone.logProbs[0], together.logProbs[index], accuracy: 1e-5)
            XCTAssertLessThan(maxAbsoluteDifference(alone.pooledHiddenStates[0], together.pooledHiddenStates[index]), 1e-5)
        }
        XCTAssertEqual(try scorer.score(rows).pooledHiddenStates, [], "pooling only when asked")
    }

    func testSimilarityOrdersNegativesByDecreasingCosineThenIndex() {
        let states: [[Float]] = [[1, 0, 0], [0, 1, 0], [2, 0.1, 0], [1, 1, 0], [0, 0, 3], [-1, 0, 0], [0, 0, 0]]
        XCTAssertEqual(SimilarityRanking.order(pooledHiddenStates: states), [0, 2, 3, 1, 4, 6, 5])
        XCTAssertEqual(SimilarityRanking.cosineSimilarity([1, 1, 0], [3, 3, 0]), 1, accuracy: 1e-12)
        XCTAssertEqual(SimilarityRanking.cosineSimilarity([1, 0], [0, 0]), 0)
    }

    func testACopyOfTheGroundTruthRanksFirstThroughTheReferenceModel() throws {
        let example = try CPOFixture.batch().examples[0]
        var candidates = example.candidates
        candidates.insert(candidates[0], at: 2)
        let rows = candidates.enumerated().map { CandidateRow(example: 0, candidate: $0, prompt: example.prompt, continuation: $1) }
        let scores = try CandidateScorer(model: try CPOFixture.reference(), padding: CPOFixture.padding).score(rows, poolHiddenStates: true)
        let order = SimilarityRanking.order(pooledHiddenStates: scores.pooledHiddenStates)
        XCTAssertEqual(order[1], 2)
        XCTAssertEqual(order.sorted(), Array(candidates.indices))
    }

    func testInvalidRowsNameExampleAndCandidate() throws {
        let scorer = CandidateScorer(model: try GPT2Fixture.model(), padding: CPOFixture.padding)
        let good = CandidateRow(example: 0, candidate: 0, prompt: [1, 2], continuation: [3])
        func rejects(_ row: CandidateRow, _ expected: CandidateScoringError) {
            XCTAssertThrowsError(try scorer.score([good, row])) { error in
                XCTAssertEqual(error as? CandidateScoringError, expected)
                XCTAssertTrue(String(describing: error).contains("example \(row.example), candidate \(row.candidate)"))
            }
        }
        rejects(CandidateRow(example: 3, candidate: 1, prompt: [], continuation: [4]), .emptyPrompt(example: 3, candidate: 1))
        rejects(CandidateRow(example: 2, candidate: 4, prompt: [1], continuation: []), .emptyContinuation(example: 2, candidate: 4))
        rejects(CandidateRow(example: 1, candidate: 2, prompt: [1, 2, 3], continuation: [Int32](repeating: 5, count: 31)),
                .tooLong(example: 1, candidate: 2, positions: 33, context: 32))
        XCTAssertNoThrow(try scorer.score([CandidateRow(example: 0, candidate: 0, prompt: [1, 2, 3], continuation: [Int32](repeating: 5, count: 30))]))
    }
}
