/// A negative continuation of its slot's prompt.
public struct Negative: Sendable, Equatable {
    public let slot: NegativeSlot
    public let kind: NegativeKind
    /// The continuation's tokens; it ends with end-of-text unless a length limit cut it.
    public let tokens: [Int32]
    /// s_ref(tokens | prompt) when it came free (a sample from π_ref carries π_ref's own
    /// log-probs); nil when it still has to be scored.
    public let referenceLogProb: Double?

    public init(slot: NegativeSlot, kind: NegativeKind, tokens: [Int32], referenceLogProb: Double? = nil) {
        self.slot = slot; self.kind = kind; self.tokens = tokens; self.referenceLogProb = referenceLogProb
    }
}
