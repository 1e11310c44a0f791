import Foundation
import XCTest
@testable import CPOKit

final class ContrastiveLossTests: XCTestCase {
    private func rewards(_ count: Int, seed: UInt64) -> [Double] {
        var random = CounterRandom(seed: seed, domain: .synthesis)
        return (0..<count).map { _ in Double.random(in: -3...3, using: &random) }
    }

    /// Central differences of `loss` in each reward, against the analytic gradient.
    private func assertGradientMatchesFiniteDifferences(_ rewards: [Double], file: StaticString = #filePath, line: UInt = #line,
                                                        _ loss: ([Double]) -> ContrastiveLoss) {
        let analytic = loss(rewards).gradient
        let step = 1e-5
        for k in rewards.indices {
            var plus = rewards, minus = rewards
            plus[k] += step
            minus[k] -= step
            let numeric = (loss(plus).value - loss(minus).value) / (2 * step)
            XCTAssertEqual(analytic[k], numeric, accuracy: 1e-8, "g[\(k)]", file: file, line: line)
        }
        XCTAssertGreaterThan(analytic.map(abs).max()!, 1e-2, "a gradient worth checking", file: file, line: line)
    }

    func testPlainIsSoftmaxCrossEntropyWithTheGroundTruthAsLabel() {
        let r = rewards(5, seed: 1)
        let loss = ContrastiveLoss.plain(rewards: r)
        let normalizer = r.reduce(0.0) { $0 + exp($1) }
        XCTAssertEqual(loss.value, -log(exp(r[0]) / normalizer), accuracy: 1e-12)
        XCTAssertEqual(loss.gradient.reduce(0, +), 0, accuracy: 1e-12, "softmax minus a one-hot sums to zero")
        assertGradientMatchesFiniteDifferences(r) { ContrastiveLoss.plain(rewards: $0) }
    }

    func testRankedSumsThePlackettLuceStagesOfTheOrder() {
        let r = rewards(4, seed: 2), order = [0, 3, 1, 2]
        func stage(_ first: Int, _ rest: [Int]) -> Double { -log(exp(r[first]) / rest.reduce(0.0) { $0 + exp(r[$1]) }) }
        let expected = stage(0, [0, 3, 1, 2]) + stage(3, [3, 1, 2]) + stage(1, [1, 2])
        XCTAssertEqual(ContrastiveLoss.ranked(rewards: r, order: order).value, expected, accuracy: 1e-12)
        assertGradientMatchesFiniteDifferences(r) { ContrastiveLoss.ranked(rewards: $0, order: order) }
    }

    func testGradientsMatchFiniteDifferencesWithAnExcludedNegative() {
        let r = rewards(6, seed: 3), order = [0, 4, 2, 5, 1, 3]
        let included = [true, true, false, true, true, true]
        for loss in [{ ContrastiveLoss.plain(rewards: $0, included: included) },
                     { ContrastiveLoss.ranked(rewards: $0, order: order, included: included) }] as [([Double]) -> ContrastiveLoss] {
            assertGradientMatchesFiniteDifferences(r, loss)
            XCTAssertEqual(loss(r).gradient[2], 0)
        }
    }

    func testTwoCandidatesGiveTheDPOLoss() {
        for (chosen, rejected) in [(0.3, -1.2), (-2.0, 1.5), (4.0, 4.0), (-30.0, 25.0)] {
            let margin = chosen - rejected
            let dpo = -log(1 / (1 + exp(-margin)))
            let sigmoidOfMinusMargin = 1 / (1 + exp(margin))
            for loss in [ContrastiveLoss.plain(rewards: [chosen, rejected]), ContrastiveLoss.ranked(rewards: [chosen, rejected], order: [0, 1])] {
                XCTAssertEqual(loss.value, dpo, accuracy: 1e-12 * max(1, dpo))
                XCTAssertEqual(loss.gradient[0], -sigmoidOfMinusMargin, accuracy: 1e-12)
                XCTAssertEqual(loss.gradient[1], sigmoidOfMinusMargin, accuracy: 1e-12)
            }
        }
    }

    func testLargeRewardsAreStable() {
        let r = [1000.0, 1001.5, 998.0, 1000.25], shifted = r.map { $0 - 1000 }, order = [0, 2, 3, 1]
        for (big, small) in [(ContrastiveLoss.plain(rewards: r), ContrastiveLoss.plain(rewards: shifted)),
                             (ContrastiveLoss.ranked(rewards: r, order: order), ContrastiveLoss.ranked(rewards: shifted, order: order))] {
            XCTAssertTrue(big.value.isFinite && big.value > 0)
            XCTAssertEqual(big.value, small.value, accuracy: 1e-9, "the loss depends on reward differences only")
            for (a, b) in zip(big.gradient, small.gradient) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
    }

    func testAnExcludedNegativeIsAsIfAbsent() {
        let r = rewards(5, seed: 4), order = [0, 2, 4, 1, 3]
        let included = [true, true, true, false, true]
        let kept = [0, 1, 2, 4]
        let keptRewards = kept.map { r[$0] }
        let keptOrder = order.filter { included[$0] }.map { kept.firstIndex(of: $0)! }
        for (masked, reduced) in [(ContrastiveLoss.plain(rewards: r, included: included), ContrastiveLoss.plain(rewards: keptRewards)),
                                  (ContrastiveLoss.ranked(rewards: r, order: order, included: included),
                                   ContrastiveLoss.ranked(rewards: keptRewards, order: keptOrder))] {
            XCTAssertEqual(masked.value, reduced.value, accuracy: 1e-12)
            XCTAssertEqual(masked.gradient[3], 0)
            for (index, k) in kept.enumerated() { XCTAssertEqual(masked.gradient[k], reduced.gradient[index], accuracy: 1e-12) }
        }
    }

    func testWithEveryNegativeExcludedTheLossIsZero() {
        let r = rewards(3, seed: 5), included = [true, false, false]
        for loss in [ContrastiveLoss.plain(rewards: r, included: included), ContrastiveLoss.ranked(rewards: r, order: [0, 2, 1], included: included)] {
            XCTAssertEqual(loss.value, 0)
            XCTAssertEqual(loss.gradient, [0, 0, 0])
        }
    }

    func testNegativesIdenticalToTheGroundTruthAreMasked() {
        XCTAssertEqual(DuplicateNegatives.includedMask(candidates: [[1, 2, 3], [1, 2], [1, 2, 3], [1, 2, 3, 4], [3, 2, 1], [1, 2, 3]]),
                       [true, true, false, true, true, false])
        XCTAssertEqual(DuplicateNegatives.includedMask(candidates: [[5]]), [true])
    }

    func testInvalidHyperParametersNameTheOption() {
        XCTAssertThrowsError(try CPOObjective(beta: 0)) { XCTAssertEqual(($0 as? OptionError)?.option, "beta") }
        XCTAssertThrowsError(try CPOObjective(beta: .nan)) { XCTAssertEqual(($0 as? OptionError)?.option, "beta") }
        XCTAssertThrowsError(try CPOObjective(beta: 0.1, nllWeight: -1)) { XCTAssertEqual(($0 as? OptionError)?.option, "nll-weight") }
        XCTAssertNoThrow(try CPOObjective(beta: 0.1, loss: .ranked, nllWeight: 0))
    }

    /// The batch objective's ∂loss/∂s_θ against central differences, with the NLL term and a duplicate.
    func testObjectiveScoreGradientsMatchFiniteDifferences() throws {
        let policy = [rewards(4, seed: 6).map { $0 * 4 - 20 }, rewards(4, seed: 7).map { $0 * 4 - 20 }]
        let reference = [rewards(4, seed: 8).map { $0 * 4 - 20 }, rewards(4, seed: 9).map { $0 * 4 - 20 }]
        func examples(_ policy: [[Double]]) -> [ExampleCandidates] {
            [ExampleCandidates(policyLogProbs: policy[0], referenceLogProbs: reference[0], included: [true, true, false, true],
                               order: [0, 3, 1, 2], groundTruthLength: 5),
             ExampleCandidates(policyLogProbs: policy[1], referenceLogProbs: reference[1], included: [true, true, true, true],
                               order: [0, 2, 1, 3], groundTruthLength: 8)]
        }
        for kind in ContrastiveLossKind.allCases {
            let objective = try CPOObjective(beta: 0.7, loss: kind, nllWeight: 0.3)
            let result = objective.evaluate(examples(policy))
            XCTAssertEqual(result.loss, result.contrastiveLoss + 0.3 * result.groundTruthNLL, accuracy: 1e-12)
            XCTAssertEqual(result.groundTruthNLL, (-policy[0][0] / 5 - policy[1][0] / 8) / 2, accuracy: 1e-12)
            XCTAssertEqual(result.duplicateNegatives, 1)
            XCTAssertEqual(result.scoreGradients[0][2], 0)
            for e in 0..<2 {
                for k in 0..<4 {
                    XCTAssertEqual(result.rewards[e][k], 0.7 * (policy[e][k] - reference[e][k]), accuracy: 1e-12)
                    var plus = policy, minus = policy
                    plus[e][k] += 1e-5
                    minus[e][k] -= 1e-5
                    let numeric = (objective.evaluate(examples(plus)).loss - objective.evaluate(examples(minus)).loss) / 2e-5
                    XCTAssertEqual(result.scoreGradients[e][k], numeric, accuracy: 1e-8, "\(kind) ∂loss/∂s[\(e)][\(k)]")
                }
            }
            let rows = [CandidateRow(example: 1, candidate: 3, prompt: [1], continuation: [2]),
                        CandidateRow(example: 0, candidate: 0, prompt: [1], continuation: [2])]
            XCTAssertEqual(result.scoreGradients(for: rows), [result.scoreGradients[1][3], result.scoreGradients[0][0]])
        }
    }

    func testRewardAccuracyCountsExamplesWhoseGroundTruthBeatsEveryIncludedNegative() throws {
        func example(_ policy: [Double], included: [Bool]) -> ExampleCandidates {
            ExampleCandidates(policyLogProbs: policy, referenceLogProbs: [0, 0, 0], included: included, groundTruthLength: 1)
        }
        let objective = try CPOObjective(beta: 1)
        let result = objective.evaluate([example([-1, -2, -3], included: [true, true, true]),
                                         example([-2, -1, -3], included: [true, true, true]),
                                         example([-2, -1, -3], included: [true, false, true]),
                                         example([-2, -2, -2], included: [true, false, false])])
        XCTAssertEqual(result.rewardAccuracy, 2.0 / 3.0)
        XCTAssertEqual(result.duplicateNegatives, 3)
        XCTAssertNil(objective.evaluate([example([-2, -2, -2], included: [true, false, false])]).rewardAccuracy)
    }
}
