import XCTest
@testable import CPOKit

final class TokenSamplerTests: XCTestCase {
    private func randomLogits(_ n: Int, seed: UInt64) -> [Float] {
        var random = CounterRandom(seed: seed, domain: .initialization)
        return (0..<n).map { _ in (random.nextUniform() - 0.5) * 8 }
    }

    func testGreedyTakesArgmaxWithItsLogProb() throws {
        let logits: [Float] = [0.1, 2.5, -1, 2.4]
        var random = CounterRandom(seed: 1, domain: .sampling)
        let (token, logProb) = try logits.withUnsafeBufferPointer {
            try TokenSampler(options: SamplingOptions(greedy: true)).sample(logits: $0, random: &random)
        }
        XCTAssertEqual(token, 1)
        let expected = 2.5 - log(logits.map { exp(Double($0)) }.reduce(0, +))
        XCTAssertEqual(Double(logProb), expected, accuracy: 1e-6)
    }

    func testTopKNeverEmitsExcludedToken() throws {
        for trial in 0..<20 {
            let logits = randomLogits(100, seed: UInt64(trial))
            let allowed = Set(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5))
            let sampler = TokenSampler(options: SamplingOptions(temperature: 2, topK: 5))
            for draw in 0..<50 {
                var random = CounterRandom(seed: 7, domain: .sampling, step: trial, position: draw)
                let token = try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random).token }
                XCTAssertTrue(allowed.contains(Int(token)), "top-k emitted token \(token)")
            }
        }
    }

    func testTopPNeverEmitsExcludedToken() throws {
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
                let token = Int(try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random).token })
                XCTAssertTrue(allowed.contains(token), "top-p emitted token \(token)")
                seen.insert(token)
            }
            XCTAssertGreaterThan(seen.count, 1)
        }
    }

    func testSampleFrequenciesFollowSoftmax() throws {
        let logits: [Float] = [0, 1, 2, -1]
        let probabilities = logits.map { exp(Double($0)) / logits.map { exp(Double($0)) }.reduce(0, +) }
        var counts = [0, 0, 0, 0]
        let n = 20_000
        let sampler = TokenSampler(options: SamplingOptions())
        for draw in 0..<n {
            var random = CounterRandom(seed: 11, domain: .sampling, position: draw)
            counts[Int(try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random).token })] += 1
        }
        for i in 0..<4 {
            // Five standard deviations of a binomial count.
            let sd = (Double(n) * probabilities[i] * (1 - probabilities[i])).squareRoot()
            XCTAssertEqual(Double(counts[i]), Double(n) * probabilities[i], accuracy: 5 * sd)
        }
    }

    func testLogitsWithNaNOrInfinityAreAnErrorNeverAToken() throws {
        let settings = [SamplingOptions(greedy: true), SamplingOptions(), SamplingOptions(temperature: 0.5), SamplingOptions(topK: 3),
                        SamplingOptions(topP: 0.9), SamplingOptions(temperature: 2, topK: 3, topP: 0.5)]
        let broken: [[Float]] = [[0, 1, .nan, 2, -1], [0, .infinity, 1, 2, -1], [.nan, .nan, .nan, .nan, .nan],
                                 [-.infinity, -.infinity, -.infinity, -.infinity, -.infinity], [0, 1, 2, -.infinity, .nan]]
        for options in settings {
            for logits in broken {
                var random = CounterRandom(seed: 1, domain: .sampling)
                XCTAssertThrowsError(try logits.withUnsafeBufferPointer { try TokenSampler(options: options).sample(logits: $0, random: &random) },
                                     "\(options) \(logits)") { XCTAssertTrue($0 is NonFiniteLogitsError, "\($0)") }
            }
        }
        // In a batch, the error names the first broken row; the others would have been fine.
        let rows: [Float] = [0, 1, 2, 3] + [0, .nan, 2, 3] + [1, 1, 1, 1]
        XCTAssertThrowsError(try rows.withUnsafeBufferPointer {
            try TokenSampler(options: SamplingOptions(topK: 2)).sample(rows: [2, 1, 0], of: $0, vocabulary: 4) { _ in CounterRandom(seed: 1, domain: .sampling) }
        }) { XCTAssertEqual(($0 as? TokenSampler.Failure)?.row, 1, "\($0)") }
        // −∞ for some tokens only is a mask, not a fault.
        var random = CounterRandom(seed: 1, domain: .sampling)
        let masked: [Float] = [-.infinity, 0, -.infinity]
        XCTAssertEqual(try masked.withUnsafeBufferPointer { try TokenSampler(options: SamplingOptions(topP: 0.5)).sample(logits: $0, random: &random) }.token, 1)
    }

    func testInvalidOptionsAreRejected() {
        XCTAssertThrowsError(try SamplingOptions(temperature: 0).validate())
        XCTAssertThrowsError(try SamplingOptions(topK: -1).validate())
        XCTAssertThrowsError(try SamplingOptions(topP: 0).validate())
        XCTAssertThrowsError(try SamplingOptions(topP: 1.5).validate())
        XCTAssertThrowsError(try SamplingOptions(maxNewTokens: 0).validate())
        XCTAssertNoThrow(try SamplingOptions(maxNewTokens: 128).validate(context: 128))
        XCTAssertThrowsError(try SamplingOptions(maxNewTokens: 1_000_000_000_000).validate(context: 128)) { error in
            XCTAssertEqual("\(error)", "invalid value '1000000000000' for --max-new-tokens: a whole number in 1...128, the model's context: no continuation is longer")
        }
    }
}
