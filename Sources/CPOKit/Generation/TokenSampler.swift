import Foundation

/// Draws the next token from one row of logits under `SamplingOptions`.
///
/// The returned log-probability is the model's own, `log softmax(logits)[token]` at temperature 1
/// and without truncation: it is what a sequence score `s(y|x)` sums, so a sample from π_ref
/// carries its reference score at no extra cost.
public struct TokenSampler: Sendable {
    public let options: SamplingOptions

    public init(options: SamplingOptions) { self.options = options }

    public func sample(logits: UnsafeBufferPointer<Float>, random: inout CounterRandom) -> (token: Int32, logProb: Float) {
        let count = logits.count
        var maximum = -Float.infinity
        var best = 0
        for i in 0..<count where logits[i] > maximum { maximum = logits[i]; best = i }
        var total: Double = 0
        for i in 0..<count { total += Double(exp(logits[i] - maximum)) }
        let logNormalizer = maximum + Float(log(total))
        func result(_ token: Int) -> (Int32, Float) { (Int32(token), logits[token] - logNormalizer) }
        if options.greedy { return result(best) }

        // Tempered probabilities, unnormalised, relative to the maximum.
        let inverseTemperature = 1 / options.temperature
        var weights = [Float](repeating: 0, count: count)
        for i in 0..<count { weights[i] = exp((logits[i] - maximum) * inverseTemperature) }
        var candidates = Array(0..<count)
        if options.topK > 0 && options.topK < count {
            candidates = largest(options.topK, of: weights)
        }
        if options.topP < 1 {
            candidates = nucleus(options.topP, of: weights, among: candidates)
        }
        var mass: Double = 0
        for i in candidates { mass += Double(weights[i]) }
        let target = random.nextUniformDouble() * mass
        var cumulative: Double = 0
        for i in candidates {
            cumulative += Double(weights[i])
            if cumulative > target { return result(i) }
        }
        return result(candidates.last!)
    }

    /// Indices of the k largest weights, in decreasing order (ties by index, for determinism).
    private func largest(_ k: Int, of weights: [Float]) -> [Int] {
        let threshold = kthLargest(k, of: weights)
        var above = (0..<weights.count).filter { weights[$0] > threshold }
        var ties = (0..<weights.count).filter { weights[$0] == threshold }
        ties.removeLast(max(ties.count - (k - above.count), 0))
        above += ties
        return above.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
    }

    private func kthLargest(_ k: Int, of weights: [Float]) -> Float {
        var values = weights
        var low = 0, high = values.count - 1
        let target = k - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { high = j } else if target >= i { low = i } else { break }
        }
        return values[target]
    }

    /// The smallest prefix of the candidates, by decreasing weight, whose share of the total mass
    /// reaches p.
    private func nucleus(_ p: Float, of weights: [Float], among candidates: [Int]) -> [Int] {
        var total: Double = 0
        for i in candidates { total += Double(weights[i]) }
        // A token whose weight is at most (1 − p)/n of the total cannot be needed to reach p, since
        // the n candidates at or below it hold at most 1 − p: skip them before sorting.
        let floor = (1 - Double(p)) * total / Double(candidates.count)
        let sorted = candidates.filter { Double(weights[$0]) > floor }
            .sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
        var kept: [Int] = []
        var cumulative: Double = 0
        for i in sorted {
            kept.append(i)
            cumulative += Double(weights[i])
            if cumulative >= Double(p) * total { break }
        }
        return kept
    }
}
