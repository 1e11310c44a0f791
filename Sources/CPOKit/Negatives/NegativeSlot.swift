/// Where a negative goes: candidate `candidate` of the example at index `example` of the global
/// batch (in data order) at training step `step`.
///
/// Candidate 0 is the ground truth and candidates 1...K−1 are the negatives, so that dealing
/// candidate k to shard k mod S puts the ground truth on shard 0 (DESIGN §4). Every random draw a
/// negative needs is keyed by these three numbers, never by the rank or the request that makes it.
public struct NegativeSlot: Sendable, Hashable {
    public var step: Int
    public var example: Int
    public var candidate: Int

    public init(step: Int, example: Int, candidate: Int) {
        self.step = step; self.example = example; self.candidate = candidate
    }

    /// The example this slot continues, checked against the global batch.
    func checkedExample(in batch: [InstructionExample]) throws -> InstructionExample {
        guard batch.indices.contains(example), candidate >= 1 else { throw NegativeError.invalidSlot(self, batchSize: batch.count) }
        guard !batch[example].promptIDs.isEmpty else { throw NegativeError.emptyPrompt(line: batch[example].line) }
        return batch[example]
    }

    /// The slot's own random stream in `domain`.
    func random(seed: UInt64, domain: CounterRandom.Domain) -> CounterRandom {
        CounterRandom(seed: seed, domain: domain, step: step, example: example, candidate: candidate)
    }

    var sampleStream: SampleStream { SampleStream(step: step, example: example, candidate: candidate) }
}
