/// One merge rule as token ids: `left` followed by `right` becomes `merged`.
struct MergeRule: Equatable, Sendable {
    let left: Int32
    let right: Int32
    let merged: Int32

    /// The rule for the tokens spelled `left` and `right` (UTF-8, compared byte for byte), or why
    /// there is none (a `MergeError`): both and their concatenation must be in the vocabulary.
    static func resolving(_ left: [UInt8], _ right: [UInt8], in idForToken: [[UInt8]: Int32]) throws -> MergeRule {
        func missing(_ token: [UInt8]) -> MergeError { MergeError(reason: "'\(String(decoding: token, as: UTF8.self))' is not in the vocabulary") }
        guard let leftID = idForToken[left] else { throw missing(left) }
        guard let rightID = idForToken[right] else { throw missing(right) }
        guard let merged = idForToken[left + right] else {
            throw MergeError(reason: "the merged token '\(String(decoding: left + right, as: UTF8.self))' is not in the vocabulary")
        }
        return MergeRule(left: leftID, right: rightID, merged: merged)
    }

    struct MergeError: Error { let reason: String }
}

/// Byte-pair merging over token ids as Hugging Face `tokenizers` does it: repeatedly merge the
/// adjacent pair whose rule has the lowest rank, the leftmost such pair first, one occurrence at a
/// time. For merges learned in order (GPT-2's) this equals GPT-2's merge-every-occurrence loop;
/// for sentencepiece conversions, whose ranks need not follow the order tokens were made in, only
/// this order gives Hugging Face's ids.
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
        let count = symbols.count
        guard count > 1 else { return }
        // The symbols as a linked list; a merge keeps the left position and removes the right one.
        var next = Array(1...count).map(Int32.init)
        next[count - 1] = -1
        var previous = Array(-1..<(count - 1)).map(Int32.init)
        var removed = [Bool](repeating: false, count: count)
        var queue = MergeQueue()
        for position in 0..<(count - 1) {
            if let merge = mergeForPair[Self.key(symbols[position], symbols[position + 1])] {
                queue.push(rank: merge.rank, position: Int32(position), merged: merge.merged)
            }
        }
        while let top = queue.pop() {
            let position = Int(top.position)
            guard !removed[position], next[position] >= 0 else { continue }
            let right = Int(next[position])
            // Entries outlive the pair they were pushed for; only one that still names it applies.
            guard let merge = mergeForPair[Self.key(symbols[position], symbols[right])], merge.merged == top.merged else { continue }
            symbols[position] = merge.merged
            removed[right] = true
            next[position] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
            if previous[position] >= 0, let left = mergeForPair[Self.key(symbols[Int(previous[position])], symbols[position])] {
                queue.push(rank: left.rank, position: previous[position], merged: left.merged)
            }
            if next[position] >= 0, let after = mergeForPair[Self.key(symbols[position], symbols[Int(next[position])])] {
                queue.push(rank: after.rank, position: Int32(position), merged: after.merged)
            }
        }
        var write = 0
        for read in 0..<count where !removed[read] {
            symbols[write] = symbols[read]
            write += 1
        }
        symbols.removeLast(count - write)
    }

    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }
}

/// A binary min-heap of pending merges ordered by (rank, position).
private struct MergeQueue {
    struct Entry {
        let order: UInt64
        let merged: Int32
        var position: Int32 { Int32(truncatingIfNeeded: order & 0xFFFF_FFFF) }
    }

    private var heap: [Entry] = []

    mutating func push(rank: Int32, position: Int32, merged: Int32) {
        heap.append(Entry(order: UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: position)), merged: merged))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].order < heap[parent].order else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].order < heap[smallest].order { smallest = left }
                if right < heap.count && heap[right].order < heap[smallest].order { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
