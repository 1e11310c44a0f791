/// TN: a strict prefix of the ground truth, then end-of-text.
///
/// With |y| response tokens before the end-of-text, the kept prefix has u tokens, u uniform in
/// [1, |y| − 1]. A one-token response gives the empty answer (end-of-text alone), still a strict
/// prefix plus end-of-text; a response with no token before its end-of-text has no strict prefix
/// and is an error.
public struct TruncationNegatives: NegativeMaker {
    public let seed: UInt64
    public let endOfText: Int32
    public var kind: NegativeKind { .tn }

    public init(seed: UInt64, endOfText: Int32) {
        self.seed = seed; self.endOfText = endOfText
    }

    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        try slots.map { slot in
            let example = try slot.checkedExample(in: batch)
            let body = example.responseBody(endOfText: endOfText)
            guard !body.isEmpty else { throw NegativeError.responseTooShort(kind, line: example.line, tokens: 0, needed: 1) }
            var random = slot.random(seed: seed, domain: .truncation)
            let kept = body.count == 1 ? 0 : Int.random(in: 1...(body.count - 1), using: &random)
            return Negative(slot: slot, kind: kind, tokens: Array(body.prefix(kept)) + [endOfText])
        }
    }
}
