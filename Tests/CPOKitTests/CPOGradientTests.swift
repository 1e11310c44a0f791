import Foundation
import XCTest
@testable import CPOKit

final class CPOGradientTests: XCTestCase {
    typealias Example = (prompt: [Int32], candidates: [[Int32]])

    /// One CPO step's loss and gradient as a rank that holds `shard` of the rows would compute it:
    /// score the shard, gather every row's scalars (here: score the other shards too), evaluate the
    /// objective, back-propagate the shard's rows. Returns the shard's gradient contribution.
    private func cpoStep(policy: GPT2, reference: GPT2, examples: [Example], objective: CPOObjective, orders: [[Int]]? = nil,
                         shard: (CandidateRow) -> Bool = { _ in true }) throws -> (result: CPOBatchLoss, gradients: [Float]) {
        let rows = rows(examples)
        let policyScorer = CandidateScorer(model: policy, padding: CPOFixture.padding)
        let mine = rows.indices.filter { shard(rows[$0]) }, others = rows.indices.filter { !shard(rows[$0]) }
        let referenceScores = try CandidateScorer(model: reference, padding: CPOFixture.padding).score(rows, poolHiddenStates: true)
        var policyLogProbs = [Double](repeating: 0, count: rows.count)
        for part in [others, mine] {
            for (index, logProb) in zip(part, try policyScorer.score(part.map { rows[$0] }).logProbs) { policyLogProbs[index] = logProb }
        }
        var start = 0
        let gathered = examples.enumerated().map { e, example in
            let k = example.candidates.count
            defer { start += k }
            return ExampleCandidates(
                policyLogProbs: Array(policyLogProbs[start ..< start + k]), referenceLogProbs: Array(referenceScores.logProbs[start ..< start + k]),
                included: DuplicateNegatives.includedMask(candidates: example.candidates),
                order: orders?[e] ?? SimilarityRanking.order(pooledHiddenStates: Array(referenceScores.pooledHiddenStates[start ..< start + k])),
                groundTruthLength: example.candidates[0].count)
        }
        let result = objective.evaluate(gathered)
        policy.gradients.zero()
        // The shard's own rows were scored last, so the model still holds their pass.
        policyScorer.backward(scoreGradients: result.scoreGradients(for: mine.map { rows[$0] }))
        return (result, policy.gradients.toArray())
    }

    private func fixtureExamples() throws -> [Example] {
        try CPOFixture.batch().examples.map { ($0.prompt, $0.candidates) }
    }

    func testPlainAndRankedLossesAndGradientsMatchPyTorch() throws {
        let batch = try CPOFixture.batch(), expected = try CPOFixture.expected()
        let policy = try GPT2Fixture.model(), reference = try CPOFixture.reference()
        for kind in ContrastiveLossKind.allCases {
            let objective = try CPOObjective(beta: batch.beta, loss: kind)
            let step = try cpoStep(policy: policy, reference: reference, examples: try fixtureExamples(), objective: objective,
                                   orders: batch.examples.map(\.rank_order))
            XCTAssertEqual(step.result.loss, Double(try expected.floats("loss.\(kind)").values[0]), accuracy: 1e-5, "loss.\(kind)")
            for spec in policy.layout.specs {
                let reference = try expected.floats("grad.\(kind).\(spec.name)").values
                let difference = maxAbsoluteDifference(step.gradients[spec.offset ..< spec.offset + spec.count], reference)
                XCTAssertLessThan(difference, 1e-4, "grad.\(kind).\(spec.name)")
                XCTAssertLessThan(difference, 1e-3 * reference.map(abs).max()!, "grad.\(kind).\(spec.name), relative to its largest entry")
            }
        }
    }

    /// CPO's backward pass computes each chunk's logits again: with chunks of 3 rows, both losses
    /// and the gradient are those of one chunk to `LogitChunkTests.tolerance` (see there).
    func testChunkedLogitsGiveTheLossesAndGradientsOfOneChunk() throws {
        let batch = try CPOFixture.batch()
        let policy = try GPT2Fixture.model(), reference = try CPOFixture.reference()
        for kind in ContrastiveLossKind.allCases {
            let objective = try CPOObjective(beta: batch.beta, loss: kind)
            func step(chunkRows: Int) throws -> (result: CPOBatchLoss, gradients: [Float]) {
                (policy.logitChunkRows, reference.logitChunkRows) = (chunkRows, chunkRows)
                return try cpoStep(policy: policy, reference: reference, examples: try fixtureExamples(), objective: objective)
            }
            let whole = try step(chunkRows: 10_000), chunked = try step(chunkRows: 3)
            XCTAssertEqual(chunked.result.loss, whole.result.loss, accuracy: Double(LogitChunkTests.tolerance) * max(1, abs(whole.result.loss)),
                           "loss.\(kind)")
            SummationOrder.assertAgree(chunked.gradients, whole.gradients, layout: policy.layout, tolerance: LogitChunkTests.tolerance,
                                       "grad.\(kind)")
        }
    }

    /// K = 2 plain CPO through the model against DPO computed directly: each sequence scored alone,
    /// −log σ(r₁ − r₂), and each sequence's backward weighted by ∓β σ(r₂ − r₁) / examples.
    func testTwoCandidatesThroughTheModelEqualDirectDPO() throws {
        let beta = 0.5
        let examples = try fixtureExamples().map { ($0.prompt, Array($0.candidates.prefix(2))) }
        let policy = try GPT2Fixture.model(), reference = try CPOFixture.reference()
        let cpo = try cpoStep(policy: policy, reference: reference, examples: examples, objective: try CPOObjective(beta: beta))

        func alone(_ model: GPT2, _ prompt: [Int32], _ continuation: [Int32]) throws -> (logProb: Double, targets: [Int32]) {
            let sequence = prompt + continuation
            let targets = sequence.indices.dropLast().map { $0 + 1 >= prompt.count ? sequence[$0 + 1] : -1 }
            try model.forward(tokens: Array(sequence.dropLast()), targets: targets, batchSize: 1, length: targets.count)
            return (-model.nll.reduce(0.0) { $0 + Double($1) }, targets)
        }
        policy.gradients.zero()
        var loss = 0.0
        for (prompt, candidates) in examples {
            let margin = try beta * ((alone(policy, prompt, candidates[0]).logProb - alone(reference, prompt, candidates[0]).logProb)
                                   - (alone(policy, prompt, candidates[1]).logProb - alone(reference, prompt, candidates[1]).logProb))
            loss += log(1 + exp(-margin)) / Double(examples.count)
            let push = beta / (1 + exp(margin)) / Double(examples.count)
            for (candidate, dLossDLogProb) in zip(candidates, [-push, push]) {
                let targets = try alone(policy, prompt, candidate).targets
                policy.backward(lossWeights: targets.map { $0 >= 0 ? Float(-dLossDLogProb) : 0 })
            }
        }
        // One padded batch against one sequence at a time: sgemm sums in other orders (`SummationOrder`).
        XCTAssertEqual(cpo.result.loss, loss, accuracy: 1e-6)
        SummationOrder.assertAgree(cpo.gradients, policy.gradients.toArray(), layout: policy.layout, "gradient")
        XCTAssertGreaterThan(cpo.gradients.map(abs).max()!, 1e-3)
    }

    /// Candidates dealt to two ranks (k mod 2, the ground truth on shard 0), each with its own replica:
    /// the two backward passes sum to the one-pass gradient.
    func testShardedCandidatesSumToTheWholeBatchGradient() throws {
        let objective = try CPOObjective(beta: 0.5, loss: .ranked, nllWeight: 0.25)
        let reference = try CPOFixture.reference()
        let whole = try cpoStep(policy: try GPT2Fixture.model(), reference: reference, examples: try fixtureExamples(), objective: objective)
        let shards = try (0..<2).map { shard in
            try cpoStep(policy: try GPT2Fixture.model(), reference: reference, examples: try fixtureExamples(), objective: objective,
                        shard: { $0.candidate % 2 == shard })
        }
        XCTAssertEqual(shards[0].result, shards[1].result)
        // Each shard's batch has other rows than the whole's: sgemm sums in other orders (`SummationOrder`).
        XCTAssertEqual(shards[0].result.loss, whole.result.loss, accuracy: 1e-6)
        SummationOrder.assertAgree(zip(shards[0].gradients, shards[1].gradients).map { $0 + $1 }, whole.gradients,
                                   layout: try GPT2Fixture.model().layout, "sum of the shards' gradients")
        XCTAssertGreaterThan(maxAbsoluteDifference(shards[0].gradients, whole.gradients), 1e-4, "each shard holds only part of it")
        let idle = try cpoStep(policy: try GPT2Fixture.model(), reference: reference, examples: try fixtureExamples(), objective: objective,
                               shard: { _ in false })
        XCTAssertTrue(idle.gradients.allSatisfy { $0 == 0 }, "a shard without rows adds nothing")
    }

    /// λ·NLL(y₁) adds λ times the mean over examples of the ground truth's mean token cross-entropy.
    func testNLLTermAddsTheGroundTruthsMeanCrossEntropy() throws {
        let examples = try fixtureExamples(), lambda = 0.75
        let policy = try GPT2Fixture.model(), reference = try CPOFixture.reference()
        let without = try cpoStep(policy: policy, reference: reference, examples: examples, objective: try CPOObjective(beta: 0.5))
        let with = try cpoStep(policy: policy, reference: reference, examples: examples, objective: try CPOObjective(beta: 0.5, nllWeight: lambda))

        policy.gradients.zero()
        var crossEntropy = 0.0
        for (prompt, candidates) in examples {
            let batch = try TrainingBatch(examples: [InstructionExample(promptIDs: prompt, responseIDs: candidates[0], line: 1)],
                                          length: .longest(cap: 32), padding: CPOFixture.padding)
            try policy.forward(tokens: batch.inputs, targets: batch.targets, batchSize: 1, length: batch.length)
            crossEntropy += Double(policy.meanCrossEntropy) / Double(examples.count)
            policy.backwardMeanCrossEntropy()
        }
        let nllGradient = policy.gradients.toArray().map { Float(lambda) * $0 / Float(examples.count) }
        XCTAssertEqual(with.result.loss - without.result.loss, lambda * crossEntropy, accuracy: 1e-6)
        XCTAssertEqual(with.result.groundTruthNLL, crossEntropy, accuracy: 1e-6)
        SummationOrder.assertAgree(zip(with.gradients, without.gradients).map { $0 - $1 }, nllGradient, layout: policy.layout, "NLL term's gradient")
        XCTAssertGreaterThan(nllGradient.map(abs).max()!, 1e-3)
    }

    /// The objective leaves a copy of the ground truth out of the softmax and the ranking: with the
    /// ground truth's own scores (what training gives a duplicate, which it never runs through the
    /// models), the loss and every other candidate's gradient are the same bits as without it, and
    /// the copy's gradient is 0. Training's side, that a duplicate is never scored, is
    /// `ContrastiveTrainingTests.testADuplicateNegativeChangesNoBit`.
    func testANegativeIdenticalToTheGroundTruthChangesNothing() throws {
        let policy = try GPT2Fixture.model(), reference = try CPOFixture.reference()
        let examples = try fixtureExamples()
        let policyScores = try CandidateScorer(model: policy, padding: CPOFixture.padding).score(rows(examples))
        let referenceScores = try CandidateScorer(model: reference, padding: CPOFixture.padding).score(rows(examples), poolHiddenStates: true)
        var start = 0
        let candidates = examples.map { example in
            let k = example.candidates.count
            defer { start += k }
            let range = start ..< start + k
            return ExampleCandidates(policyLogProbs: Array(policyScores.logProbs[range]), referenceLogProbs: Array(referenceScores.logProbs[range]),
                                     included: Array(repeating: true, count: k),
                                     order: SimilarityRanking.order(pooledHiddenStates: Array(referenceScores.pooledHiddenStates[range])),
                                     groundTruthLength: example.candidates[0].count)
        }
        let withCopies = candidates.map { c in
            ExampleCandidates(policyLogProbs: c.policyLogProbs + [c.policyLogProbs[0]], referenceLogProbs: c.referenceLogProbs + [c.referenceLogProbs[0]],
                              included: c.included + [false], order: [0, c.order.count] + c.order.dropFirst(), groundTruthLength: c.groundTruthLength)
        }
        for kind in ContrastiveLossKind.allCases {
            let objective = try CPOObjective(beta: 0.5, loss: kind)
            let plain = objective.evaluate(candidates), copied = objective.evaluate(withCopies)
            XCTAssertEqual(copied.duplicateNegatives, examples.count)
            XCTAssertEqual(copied.loss, plain.loss, "\(kind)")
            XCTAssertEqual(copied.scoreGradients.map { Array($0.dropLast()) }, plain.scoreGradients, "\(kind)")
            XCTAssertEqual(copied.scoreGradients.map { $0.last! }, Array(repeating: 0, count: examples.count), "\(kind)")
        }
        let onlyCopies = examples.map { ($0.prompt, [$0.candidates[0], $0.candidates[0]]) }
        let nothing = try cpoStep(policy: policy, reference: reference, examples: onlyCopies, objective: try CPOObjective(beta: 0.5))
        XCTAssertEqual(nothing.result.loss, 0)
        XCTAssertTrue(nothing.gradients.allSatisfy { $0 == 0 })
    }

    private func rows(_ examples: [Example]) -> [CandidateRow] {
        examples.enumerated().flatMap { e, example in
            example.candidates.enumerated().map { CandidateRow(example: e, candidate: $0, prompt: example.prompt, continuation: $1) }
        }
    }
}
