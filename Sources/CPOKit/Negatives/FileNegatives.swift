/// Negatives the data file gives for an example (`negatives` or `negatives_ids`), used as given.
///
/// Each example orders its file negatives at random, keyed by (step, example), and candidate k
/// takes the k-th: the candidates of one step get distinct file negatives, and a file with more
/// than K − 1 per line has them all used over the steps.
public struct FileNegatives: NegativeMaker {
    public let seed: UInt64
    public var kind: NegativeKind { .file }

    public init(seed: UInt64) { self.seed = seed }

    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        try slots.map { slot in
            let example = try slot.checkedExample(in: batch)
            let available = example.negativeIDs.count
            guard slot.candidate <= available else {
                throw NegativeError.tooFewFileNegatives(slot, line: example.line, available: available)
            }
            // Position 1 keeps these draws apart from the batch negatives' (position 0), which share the domain.
            var random = CounterRandom(seed: seed, domain: .negatives, step: slot.step, example: slot.example, position: 1)
            let chosen = WithoutReplacement.draw(slot.candidate, from: available, random: &random).last!
            return Negative(slot: slot, kind: kind, tokens: example.negativeIDs[chosen])
        }
    }
}
