/// Candidate tokens in the order truncated sampling walks them: decreasing weight, ties by
/// increasing id (a total order, so every walk is reproducible).
///
/// A candidate is one 64-bit key, the weight's bits above the complemented id: weights are never
/// negative, so their bit patterns order like the weights, and a larger key comes first. Comparing
/// and moving keys needs no lookups in the weight table.
///
/// `prefix(reaching:)` finds where a running sum of weights in that order first reaches a target
/// without sorting all candidates: quickselect partitions narrow the range that holds the crossing
/// while keeping the mass of everything before it, and only a short last range is sorted and
/// walked. Top-p over a flat distribution keeps most of the vocabulary; sorting it every token
/// would cost more than the model's decode step.
enum DecreasingWeightOrder {
    /// Ranges at most this long are sorted and walked.
    private static let walkedRange = 32

    @inline(__always) static func key(id: Int, weight: Float) -> UInt64 {
        UInt64(weight.bitPattern) << 32 | UInt64(~UInt32(id))
    }

    @inline(__always) static func id(_ key: UInt64) -> Int { Int(~UInt32(truncatingIfNeeded: key)) }

    @inline(__always) static func weight(_ key: UInt64) -> Float { Float(bitPattern: UInt32(key >> 32)) }

    static func totalWeight(_ keys: UnsafeMutableBufferPointer<UInt64>) -> Double {
        keys.reduce(0) { $0 + Double(weight($1)) }
    }

    /// Rearranges `keys` so that its first n elements are the first n in the order, keys[n − 1] the
    /// n-th, where n is the smallest count whose weights sum to more than `target` (to at least
    /// `target` if `inclusive`). Nil when even all of them fall short (only rounding can do that
    /// when the target is a fraction of their total).
    static func prefix(reaching target: Double, inclusive: Bool, of keys: UnsafeMutableBufferPointer<UInt64>) -> Int? {
        func reached(_ mass: Double) -> Bool { inclusive ? mass >= target : mass > target }
        // Invariant: keys[..<low] precede keys[low..<high], which precede keys[high...]; `before`
        // is the weight of keys[..<low], and the crossing lies in low..<high.
        var low = 0, high = keys.count, before: Double = 0
        while high - low > walkedRange {
            keys.swapAt((low + high) / 2, high - 1)
            let pivot = keys[high - 1]
            var split = low, mass: Double = 0
            for j in low ..< high - 1 where keys[j] > pivot {
                mass += Double(weight(keys[j]))
                keys.swapAt(j, split)
                split += 1
            }
            keys.swapAt(split, high - 1)
            if reached(before + mass) {
                high = split
            } else if reached(before + mass + Double(weight(pivot))) {
                return split + 1
            } else {
                before += mass + Double(weight(pivot))
                low = split + 1
            }
        }
        var rest = UnsafeMutableBufferPointer(rebasing: keys[low..<high])
        rest.sort(by: >)
        for j in low..<high {
            before += Double(weight(keys[j]))
            if reached(before) { return j + 1 }
        }
        return nil
    }
}
