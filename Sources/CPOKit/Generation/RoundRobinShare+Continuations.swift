extension RoundRobinShare {
    /// Every item's continuation, on every rank, given this rank's (one per item of `items`, in order).
    public func gather(_ continuations: [Continuation]) throws -> [Continuation] {
        let tokens = try gather(continuations.map(\.tokens)), logProbs = try gather(continuations.map(\.logProbs))
        let ended = try gather(continuations.map { [$0.endedWithEndOfText ? UInt8(1) : 0] })
        return tokens.indices.map { Continuation(tokens: tokens[$0], logProbs: logProbs[$0], endedWithEndOfText: ended[$0][0] == 1) }
    }
}
