/// The entry point for negatives (MixN): each slot draws its kind from the mix, keyed by the slot,
/// then the slots of each kind are made together by that kind's maker, so model work is batched
/// per kind. A single-kind mix makes every slot of that kind.
public struct NegativeFactory {
    public let mix: NegativeMix
    public let seed: UInt64
    private let makers: [NegativeKind: any NegativeMaker]

    /// Checks every option, used by the mix or not, so a bad setting fails at start-up.
    public init(options: NegativeOptions, reference: any LanguageModel, policy: any LanguageModel, endOfText: Int32) throws {
        var sampling = options.sampling
        sampling.seed = options.seed
        let makers: [any NegativeMaker] = [
            try AutoregressiveNegatives(model: options.onPolicy ? policy : reference, modelIsReference: !options.onPolicy,
                                        sampling: sampling, length: options.sampleLength, endOfText: endOfText,
                                        packsWeights: options.packsDecodeWeights),
            BatchNegatives(seed: options.seed),
            try MeanfieldNegatives(reference: reference, fraction: options.meanfieldFraction, seed: options.seed, endOfText: endOfText),
            TruncationNegatives(seed: options.seed, endOfText: endOfText),
            FileNegatives(seed: options.seed),
        ]
        mix = options.mix
        seed = options.seed
        self.makers = Dictionary(uniqueKeysWithValues: makers.map { ($0.kind, $0) })
    }

    public func kind(for slot: NegativeSlot) -> NegativeKind { mix.kind(for: slot, seed: seed) }

    /// One negative per slot, in slot order; `batch` is the global batch in data order.
    public func make(for slots: [NegativeSlot], in batch: [InstructionExample]) throws -> [Negative] {
        var slotsByKind: [NegativeKind: [Int]] = [:]
        for (index, slot) in slots.enumerated() { slotsByKind[kind(for: slot), default: []].append(index) }
        var negatives = [Negative?](repeating: nil, count: slots.count)
        for kind in NegativeKind.allCases {
            guard let indices = slotsByKind[kind] else { continue }
            let made = try makers[kind]!.make(for: indices.map { slots[$0] }, in: batch)
            for (index, negative) in zip(indices, made) { negatives[index] = negative }
        }
        return negatives.map { $0! }
    }
}
