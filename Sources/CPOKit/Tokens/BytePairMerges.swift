/// One line of `merges.txt` as token ids: `left` followed by `right` becomes `merged`.
struct MergeRule: Equatable, Sendable {
    let left: Int32
    let right: Int32
    let merged: Int32
}

/// GPT-2's byte-pair merging over token ids: repeatedly merge every occurrence of the adjacent pair
/// whose rule comes first in `merges.txt`, until no adjacent pair has a rule.
struct BytePairMerges: Sendable {
    private struct Merge: Sendable {
        let rank: Int32
        let merged: Int32
    }

    private let mergeForPair: [UInt64: Merge]

    /// `rules` in rank order. A pair listed twice keeps its later rank, as GPT-2's and Hugging
    /// Face's loaders do.
    init(_ rules: [MergeRule]) {
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(rules.count)
        for (rank, rule) in rules.enumerated() {
            table[Self.key(rule.left, rule.right)] = Merge(rank: Int32(rank), merged: rule.merged)
        }
        mergeForPair = table
    }

    func apply(to symbols: inout [Int32]) {
        while symbols.count > 1 {
            var best: (merge: Merge, left: Int32, right: Int32)?
            for i in 0..<(symbols.count - 1) {
                if let merge = mergeForPair[Self.key(symbols[i], symbols[i + 1])], merge.rank < best?.merge.rank ?? .max {
                    best = (merge, symbols[i], symbols[i + 1])
                }
            }
            guard let best else { return }

            // Left to right without overlap: "aaa" under (a, a) becomes "aa a".
            var read = 0
            var write = 0
            while read < symbols.count {
                if read + 1 < symbols.count && symbols[read] == best.left && symbols[read + 1] == best.right {
                    symbols[write] = best.merge.merged
                    read += 2
                } else {
                    symbols[write] = symbols[read]
                    read += 1
                }
                write += 1
            }
            symbols.removeLast(symbols.count - write)
        }
    }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}
