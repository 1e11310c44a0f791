/// How many positions T a batch row has.
public enum SequenceLength: Sendable, Equatable {
    /// Every batch has exactly T positions; short rows are padded.
    case fixed(Int)
    /// T is the longest row of the batch, at most the given cap, so short synthetic examples do
    /// not pay for padding.
    case longest(cap: Int)

    /// T for a batch whose longest row, uncut, has `longestRow` positions.
    func positions(longestRow: Int) -> Int {
        switch self {
        case let .fixed(length): return length
        case let .longest(cap): return min(cap, longestRow)
        }
    }

    func validate() throws {
        switch self {
        case let .fixed(length), let .longest(cap: length):
            guard length >= 1 else { throw DataError.invalidSetting(name: "sequence length", reason: "must be at least 1, got \(length)") }
        }
    }
}
