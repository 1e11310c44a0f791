import XCTest
@testable import CPOKit

final class TokenSamplerTests: XCTestCase {
    private func randomLogits(_ n: Int, seed: UInt64) -> [Float] {
        var random = CounterRandom(seed: seed, domain: .initialization)
        return (0..<n).map { _ in (random.nextUniform() - 0.5) * 8 }
    }

    func testGreedyTakesArgmaxWithItsLogProb() {
        let logits: [Float] = [0.1, 2.5, -1, 2.4]
        var random = CounterRandom(seed: 1, domain: .sampling)
        let (token, logProb) = logits.withUnsafeBufferPointer {
            TokenSampler(options: SamplingOptions(greedy: true)).sample(logits: $0, random: &random)
        }
        XCTAssertEqual(token, 1)
        let expected = 2.5 - log(logits.map { exp(Double($0)) }.reduce(0, +))
        XCTAssertEqual(Double(logProb), expected, accuracy: 1e-6)
    }

    func testTopKNeverEmitsExcludedToken() {
        for trial in 0..<20 {
            let logits = randomLogits(100, seed: UInt64(trial))
            let allowed = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5))
            let sampler = TokenSampler(options: SamplingOptions(temperature: 2, topK: 5))
            for draw in 0..<50 {
                var random = CounterRandom(seed: 7, domain: .sampling, step: trial, position: draw)
                let token = logits.withUnsafeBufferPointer { sampler.sample(logits: $0, random: &random).token }
                XCTAssertTrue(allowed.contains(Int(token)), "top-k emitted token \(token)")
            }
        }
    }

    func testTopPNeverEmitsExcludedToken() {
        for trial in 0..<20 {
            let logits = randomLogits(100, seed: UInt64(100 + trial))
            let order = logits.indices.sorted { logits[$0] > logits[$1] }
            let probabilities = logits.map { exp(Double($0)) }
            let total = probabilities.reduce(0, +)
            var allowed = Set<Int>(), mass = 0.0
            for i in order where mass < 0.6 * total { allowed.insert(i); mass += probabilities[i] }
            let sampler = TokenSampler(options: SamplingOptions(topP: 0.6))
            var seen = Set<Int>()
            for draw in 0..<200 {
                var random = CounterRandom(seed: 3, domain: .sampling, step: trial, position: draw)
                let token = Int(logits.withUnsafeBufferPointer { sampler.sample(logits: $0, random: &random).token })
                XCTAssertTrue(allowed.contains(token), "top-p emitted token \(token)")
                seen.insert(token)
            }
            XCTAssertGreaterThan(seen.count, 1)
        }
    }

    func testSampleFrequenciesFollowSoftmax() {
        let logits: [Float] = [0, 1, 2, -1]
        let probabilities = logits.map { exp(Double($0)) / logits.map { exp(Double($0)) }.reduce(0, +) }
        var counts = [0, 0, 0, 0]
        let n = 20_000
        let sampler = TokenSampler(options: SamplingOptions())
        for draw in 0..<n {
            var random = CounterRandom(seed: 11, domain: .sampling, position: draw)
            counts[Int(logits.withUnsafeBufferPointer { sampler.sample(logits: $0, random: &random).token })] += 1
        }
        for i in 0..<4 {
            // Five standard deviations of a binomial count.
            let sd = (Double(n) * probabilities[i] * (1 - probabilities[i])).squareRoot()
            XCTAssertEqual(Double(counts[i]), Double(n) * probabilities[i], accuracy: 5 * sd)
        }
    }

    func testInvalidOptionsAreRejected() {
        XCTAssertThrowsError(try SamplingOptions(temperature: 0).validate())
        XCTAssertThrowsError(try SamplingOptions(topK: -1).validate())
        XCTAssertThrowsError(try SamplingOptions(topP: 0).validate())
        XCTAssertThrowsError(try SamplingOptions(topP: 1.5).validate())
        XCTAssertThrowsError(try SamplingOptions(maxNewTokens: 0).validate())
    }
}
