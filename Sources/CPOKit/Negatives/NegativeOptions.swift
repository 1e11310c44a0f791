/// How a run makes its negatives, as the command line sets it.
public struct NegativeOptions: Sendable, Equatable {
    public var mix: NegativeMix
    /// Keys every random choice of every kind of negative.
    public var seed: UInt64
    /// AN's temperature, top-k and top-p; its `seed` and `maxNewTokens` give way to `seed` and `sampleLength`.
    public var sampling: SamplingOptions
    public var sampleLength: AutoregressiveNegatives.Length
    /// AN samples from π_θ instead of π_ref; s_ref then has to be scored separately.
    public var onPolicy: Bool
    /// MN's c, the share of response tokens replaced.
    public var meanfieldFraction: Double
    /// Whether AN's generation packs a copy of the weights (`MemoryPlan.packsDecodeWeights`).
    public var packsDecodeWeights = true

    public init(mix: NegativeMix = NegativeMix(kind: .an), seed: UInt64 = 1234, sampling: SamplingOptions = SamplingOptions(),
                sampleLength: AutoregressiveNegatives.Length = .groundTruthPlus(8), onPolicy: Bool = false,
                meanfieldFraction: Double = 0.25) {
        self.mix = mix
        self.seed = seed
        self.sampling = sampling
        self.sampleLength = sampleLength
        self.onPolicy = onPolicy
        self.meanfieldFraction = meanfieldFraction
    }
}
