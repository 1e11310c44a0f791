extension Range where Bound == Int {
    /// Consecutive ranges of at most `length` elements that together are this range, in order: the
    /// pieces a large buffer travels in, so each collective call stays within MPI's 32-bit counts and
    /// no temporary buffer grows with the model.
    func buckets(of length: Int) -> [Range<Int>] {
        precondition(length > 0, "bucket length must be positive")
        return Swift.stride(from: lowerBound, to: upperBound, by: length).map { $0 ..< Swift.min($0 + length, upperBound) }
    }
}
