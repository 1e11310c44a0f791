import Foundation
import XCTest
@testable import CPOKit

/// The vectorised, batched `TokenSampler` against a plain double-precision statement of the same
/// rule: first candidate whose cumulative weight exceeds u · total.
final class SamplingTokenSamplerTests: XCTestCase {
    private func randomLogits(_ n: Int, seed: Int, scale: Float = 8) -> [Float] {
        var random = CounterRandom(seed: 99, domain: .initialization, example: seed)
        return (0..<n).map { _ in (random.nextUniform() - 0.5) * scale }
    }

    /// The sampling rule written out directly: weights exp((l − max)/T) in double precision, all
    /// tokens in id order, or the top-k / top-p tokens by decreasing weight (ties by id).
    private func referenceSample(_ logits: [Float], _ options: SamplingOptions, _ random: inout CounterRandom) -> (token: Int32, logProb: Float) {
        let maximum = logits.max()!
        let logNormalizer = Double(maximum) + log(logits.reduce(0.0) { $0 + exp(Double($1 - maximum)) })
        func result(_ i: Int) -> (Int32, Float) { (Int32(i), Float(Double(logits[i]) - logNormalizer)) }
        if options.greedy { return result(logits.firstIndex(of: maximum)!) }
        let weights = logits.map { exp(Double(($0 - maximum) * (1 / options.temperature))) }
        var candidates = Array(logits.indices)
        if (options.topK > 0 && options.topK < logits.count) || options.topP < 1 {
            candidates.sort { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
            if options.topK > 0 { candidates = Array(candidates.prefix(options.topK)) }
            if options.topP < 1 {
                let total = candidates.reduce(0.0) { $0 + weights[$1] }
                var cumulative = 0.0, kept = 0
                while kept < candidates.count && cumulative < Double(options.topP) * total {
                    cumulative += weights[candidates[kept]]
                    kept += 1
                }
                candidates = Array(candidates.prefix(kept))
            }
        }
        let target = random.nextUniformDouble() * candidates.reduce(0.0) { $0 + weights[$1] }
        var cumulative = 0.0
        for i in candidates {
            cumulative += weights[i]
            if cumulative > target { return result(i) }
        }
        return result(candidates.last!)
    }

    private let settings: [SamplingOptions] = [
        SamplingOptions(greedy: true), SamplingOptions(), SamplingOptions(temperature: 0.6), SamplingOptions(temperature: 1.7, topK: 20),
        SamplingOptions(topP: 0.9), SamplingOptions(temperature: 0.8, topK: 50, topP: 0.5), SamplingOptions(topK: 1),
        // Hundreds of candidates, so the selection partitions rather than sorts them.
        SamplingOptions(temperature: 1.2, topK: 300, topP: 0.95), SamplingOptions(temperature: 3, topP: 0.99),
    ]

    func testDrawsEqualTheReferenceRule() throws {
        for (index, options) in settings.enumerated() {
            let sampler = TokenSampler(options: options)
            for trial in 0..<20 {
                let logits = randomLogits(1000 + 37 * trial, seed: 100 * index + trial)
                for draw in 0..<10 {
                    var a = CounterRandom(seed: 5, domain: .sampling, step: index, example: trial, position: draw)
                    var b = a
                    let got = try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &a) }
                    let want = referenceSample(logits, options, &b)
                    XCTAssertEqual(got.token, want.token, "\(options), trial \(trial), draw \(draw)")
                    XCTAssertEqual(got.logProb, want.logProb, accuracy: 1e-5)
                }
            }
        }
    }

    func testBatchedDrawsEqualRowByRowDrawsForAnyThreadCount() throws {
        let vocabulary = 3001, rows = 7
        let logits = randomLogits(rows * vocabulary, seed: 7)
        let chosen = [6, 0, 3, 4] // a subset, out of order
        func stream(_ row: Int) -> CounterRandom { CounterRandom(seed: 2, domain: .sampling, example: row, position: 9) }
        let threads = Parallel.threadCount
        defer { Parallel.setThreadCount(threads) }
        for options in settings {
            let sampler = TokenSampler(options: options)
            let single = try chosen.map { row -> (token: Int32, logProb: Float) in
                var random = stream(row)
                return try logits.withUnsafeBufferPointer {
                    try sampler.sample(logits: UnsafeBufferPointer(rebasing: $0[row * vocabulary ..< (row + 1) * vocabulary]), random: &random)
                }
            }
            for threadCount in [1, 2, 3] {
                Parallel.setThreadCount(threadCount)
                let batched = try logits.withUnsafeBufferPointer { try sampler.sample(rows: chosen, of: $0, vocabulary: vocabulary, random: stream) }
                XCTAssertEqual(batched.map(\.token), single.map(\.token), "\(options), \(threadCount) threads")
                XCTAssertEqual(batched.map(\.logProb), single.map(\.logProb))
            }
        }
    }

    func testTruncatedDrawFrequenciesFollowTheRenormalisedTemperedSoftmax() throws {
        let logits: [Float] = [0.3, 1.2, -0.4, 2.0, 1.1, -2]
        let options = SamplingOptions(temperature: 0.5, topK: 3)
        let kept = [3, 1, 4]
        let tempered = kept.map { exp(Double(logits[$0]) / 0.5) }
        let probabilities = tempered.map { $0 / tempered.reduce(0, +) }
        let n = 20_000
        var counts = [Int](repeating: 0, count: logits.count)
        let sampler = TokenSampler(options: options)
        for draw in 0..<n {
            var random = CounterRandom(seed: 13, domain: .sampling, position: draw)
            counts[Int(try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random).token })] += 1
        }
        XCTAssertEqual(counts[0] + counts[2] + counts[5], 0, "a token outside the top 3 was drawn")
        for (i, p) in zip(kept, probabilities) {
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            XCTAssertEqual(Double(counts[i]), Double(n) * p, accuracy: 5 * sd, "token \(i)")
        }
    }

    func testMaskedTokensAreNeverDrawnAndHugeLogitsStayFinite() throws {
        var logits = randomLogits(500, seed: 3, scale: 2e4)
        for i in stride(from: 0, to: 500, by: 3) { logits[i] = -.infinity }
        for options in settings {
            let sampler = TokenSampler(options: options)
            for draw in 0..<50 {
                var random = CounterRandom(seed: 21, domain: .sampling, position: draw)
                let (token, logProb) = try logits.withUnsafeBufferPointer { try sampler.sample(logits: $0, random: &random) }
                XCTAssertNotEqual(token % 3, 0, "masked token \(token) drawn under \(options)")
                XCTAssertTrue(logProb.isFinite && logProb <= 0, "log-prob \(logProb)")
            }
        }
    }
}
