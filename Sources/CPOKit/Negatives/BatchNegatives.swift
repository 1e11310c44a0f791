/// BN: the ground-truth continuations of other examples of the same global batch.
///
/// Each example orders the other examples at random, keyed by (step, example), and candidate k
/// takes the k-th: the negatives of one example come from distinct others, never from itself. An
/// other example may have the same response as this one; it is returned as it is, and the objective's
/// duplicate rule (DESIGN §2) masks and counts it.
public struct BatchNegatives: NegativeMaker {
    public let seed: UInt64
    public var kind: NegativeKind { .bn }

    public init(seed: UInt64) { self.seed = seed }

    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        try slots.map { slot in
            _ = try slot.checkedExample(in: batch)
            let others = batch.count - 1
            guard slot.candidate <= others else { throw NegativeError.tooFewOtherExamples(slot, batchSize: batch.count) }
            // Candidate 0's stream: shared by the example's candidates, so they read one permutation.
            var random = CounterRandom(seed: seed, domain: .negatives, step: slot.step, example: slot.example)
            let drawn = WithoutReplacement.draw(slot.candidate, from: others, random: &random).last!
            let other = drawn < slot.example ? drawn : drawn + 1
            return Negative(slot: slot, kind: kind, tokens: batch[other].responseIDs)
        }
    }
}
