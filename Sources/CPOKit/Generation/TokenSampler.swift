import Foundation

/// Draws the next token from one row of logits under `SamplingOptions`.
///
/// The returned log-probability is the model's own, `log softmax(logits)[token]` at temperature 1
/// and without truncation: it is what a sequence score `s(y|x)` sums, so a sample from π_ref
/// carries its reference score at no extra cost.
///
/// A draw takes one uniform u from the row's random stream and returns the first candidate whose
/// cumulative weight exceeds u · (total weight), where a candidate's weight is
/// exp((logit − max) / temperature). Without truncation the candidates are all tokens in id order;
/// with top-k or top-p they are the kept tokens by decreasing weight (ties by id). Logits with a
/// NaN or an infinity are an error (`NonFiniteLogitsError`), never a token.
public struct TokenSampler: Sendable {
    public let options: SamplingOptions

    public init(options: SamplingOptions) { self.options = options }

    public func sample(logits: UnsafeBufferPointer<Float>, random: inout CounterRandom) throws -> (token: Int32, logProb: Float) {
        let workspace = Workspace(vocabulary: logits.count)
        return try sample(logits: logits, random: &random, workspace: workspace)
    }

    /// Samples a token for each of `rows` from its row of `logits` ([·, vocabulary]), the rows split
    /// over threads; row r draws from `random(r)`. Each row's draw depends on its logits and its
    /// stream only, so the result is the same for any thread count. A row whose logits are not
    /// finite throws `Failure`, naming the first such row.
    public func sample(rows: [Int], of logits: UnsafeBufferPointer<Float>, vocabulary: Int,
                       random: (Int) -> CounterRandom) throws -> [(token: Int32, logProb: Float)] {
        precondition(rows.allSatisfy { ($0 + 1) * vocabulary <= logits.count }, "a sampled row lies outside the logits")
        var draws = [(token: Int32, logProb: Float)?](repeating: nil, count: rows.count)
        draws.withUnsafeMutableBufferPointer { draws in
            Parallel.forEachChunk(rows.count, workPerItem: 4 * vocabulary) { range in
                let workspace = Workspace(vocabulary: vocabulary)
                for i in range {
                    var stream = random(rows[i])
                    draws[i] = try? sample(logits: UnsafeBufferPointer(rebasing: logits[rows[i] * vocabulary ..< (rows[i] + 1) * vocabulary]),
                                           random: &stream, workspace: workspace)
                }
            }
        }
        if let bad = draws.firstIndex(where: { $0 == nil }) { throw Failure(row: rows[bad]) }
        return draws.map { $0! }
    }

    /// The row of `sample(rows:…)` whose logits are not finite.
    public struct Failure: Error {
        public let row: Int
    }

    /// Scratch for one row: the weights, candidate keys (`DecreasingWeightOrder`), and a copy of the
    /// weights for selection.
    final class Workspace {
        let weights: UnsafeMutableBufferPointer<Float>
        let keys: UnsafeMutableBufferPointer<UInt64>
        let selection: UnsafeMutableBufferPointer<Float>

        init(vocabulary: Int) {
            weights = .allocate(capacity: vocabulary)
            keys = .allocate(capacity: vocabulary)
            selection = .allocate(capacity: vocabulary)
        }

        deinit {
            weights.deallocate()
            keys.deallocate()
            selection.deallocate()
        }
    }

    func sample(logits: UnsafeBufferPointer<Float>, random: inout CounterRandom, workspace: Workspace) throws -> (token: Int32, logProb: Float) {
        let count = logits.count, x = logits.baseAddress!
        let maximum = VectorMath.maximum(x, count)
        let weights = workspace.weights.baseAddress!
        let total = Self.exponentials(of: x, count, shift: maximum, scale: 1, into: weights)
        // A NaN anywhere, or an infinite maximum (x − max is then NaN), makes the sum NaN.
        guard maximum.isFinite, total.isFinite else { throw NonFiniteLogitsError() }
        let logNormalizer = maximum + Float(Foundation.log(total))
        func result(_ token: Int) -> (Int32, Float) { (Int32(token), x[token] - logNormalizer) }
        if options.greedy { return result(Self.firstIndex(of: maximum, in: x, count)) }
        // At temperature 1 the sampling weights are the softmax's own exponentials.
        let mass = options.temperature == 1 ? total
            : Self.exponentials(of: x, count, shift: maximum, scale: 1 / options.temperature, into: weights)

        if options.topK == 0 || options.topK >= count, options.topP >= 1 {
            return result(Self.search(weights, count, target: random.nextUniformDouble() * mass))
        }
        var candidates = options.topK > 0 && options.topK < count
            ? largest(options.topK, of: weights, count, workspace: workspace)
            : all(weights, count, workspace: workspace, total: mass)
        if options.topP < 1 {
            let total = options.topK > 0 && options.topK < count ? DecreasingWeightOrder.totalWeight(candidates) : mass
            let kept = DecreasingWeightOrder.prefix(reaching: Double(options.topP) * total, inclusive: true, of: candidates)
            candidates = UnsafeMutableBufferPointer(rebasing: candidates[0 ..< (kept ?? candidates.count)])
        }
        let target = random.nextUniformDouble() * DecreasingWeightOrder.totalWeight(candidates)
        if let n = DecreasingWeightOrder.prefix(reaching: target, inclusive: false, of: candidates) {
            return result(DecreasingWeightOrder.id(candidates[n - 1]))
        }
        // Only rounding can leave the target unreached: take the last candidate with any weight.
        let last = candidates.filter { DecreasingWeightOrder.weight($0) > 0 }.min() ?? candidates[0]
        return result(DecreasingWeightOrder.id(last))
    }

    /// Writes exp((x − shift) · scale) to `weights` and returns their sum, added block by block in
    /// the order `search` walks them.
    private static func exponentials(of x: UnsafePointer<Float>, _ count: Int, shift: Float, scale: Float,
                                     into weights: UnsafeMutablePointer<Float>) -> Double {
        var total: Double = 0
        VectorMath.forEachBlock(count) { start, lanes in
            let values = VectorMath.load(x + start, lanes: lanes, fill: -.infinity)
            let w = VectorMath.exp((values - VectorMath.Vector(repeating: shift)) * scale)
            VectorMath.store(w, weights + start, lanes: lanes)
            total += Double(w.sum())
        }
        return total
    }

    /// The first index whose cumulative weight exceeds `target`: whole blocks are skipped by their
    /// sums (the same sums that made the total), then the block is walked token by token.
    private static func search(_ weights: UnsafePointer<Float>, _ count: Int, target: Double) -> Int {
        var cumulative: Double = 0
        var found: Int?
        VectorMath.forEachBlock(count) { start, lanes in
            guard found == nil else { return }
            let blockSum = Double(VectorMath.load(weights + start, lanes: lanes).sum())
            guard cumulative + blockSum > target else { cumulative += blockSum; return }
            var inBlock = cumulative
            var last = start
            for i in start ..< start + lanes where weights[i] > 0 {
                last = i
                inBlock += Double(weights[i])
                if inBlock > target { break }
            }
            found = last
        }
        // Only rounding can leave the target unreached: take the last token with any weight.
        return found ?? ((0..<count).last { weights[$0] > 0 } ?? 0)
    }

    private static func firstIndex(of value: Float, in x: UnsafePointer<Float>, _ count: Int) -> Int {
        (0..<count).first { x[$0] == value } ?? 0
    }

    /// The k first tokens in decreasing-weight order, unordered.
    private func largest(_ k: Int, of weights: UnsafePointer<Float>, _ count: Int,
                         workspace: Workspace) -> UnsafeMutableBufferPointer<UInt64> {
        let threshold = kthLargest(k, of: weights, count, scratch: workspace)
        let keys = workspace.keys
        var kept = 0
        for i in 0..<count where weights[i] > threshold {
            keys[kept] = DecreasingWeightOrder.key(id: i, weight: weights[i])
            kept += 1
        }
        // Ties at the threshold go by id.
        for i in 0..<count where kept < k && weights[i] == threshold {
            keys[kept] = DecreasingWeightOrder.key(id: i, weight: weights[i])
            kept += 1
        }
        return UnsafeMutableBufferPointer(rebasing: keys[0..<kept])
    }

    /// Every token as a candidate for top-p, less those it can never keep: a token whose weight is at
    /// most (1 − p)/n of the total cannot be needed to reach p, since the n tokens at or below it
    /// hold at most 1 − p.
    private func all(_ weights: UnsafePointer<Float>, _ count: Int, workspace: Workspace,
                     total: Double) -> UnsafeMutableBufferPointer<UInt64> {
        let floor = (1 - Double(options.topP)) * total / Double(count)
        let keys = workspace.keys
        var kept = 0
        for i in 0..<count where Double(weights[i]) > floor {
            keys[kept] = DecreasingWeightOrder.key(id: i, weight: weights[i])
            kept += 1
        }
        return UnsafeMutableBufferPointer(rebasing: keys[0..<kept])
    }

    /// The k-th largest weight, by quickselect over a copy.
    private func kthLargest(_ k: Int, of weights: UnsafePointer<Float>, _ count: Int, scratch: Workspace) -> Float {
        let values = scratch.selection
        values.baseAddress!.update(from: weights, count: count)
        var low = 0, high = count - 1
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
}
