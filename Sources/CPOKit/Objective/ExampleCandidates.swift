/// The scalars of one example's K candidates (ground truth first) that the loss needs, gathered from
/// every rank that scored some of them.
public struct ExampleCandidates: Sendable, Equatable {
    /// s_θ(y_k|x).
    public var policyLogProbs: [Double]
    /// s_ref(y_k|x).
    public var referenceLogProbs: [Double]
    /// False for negatives identical to the ground truth (`DuplicateNegatives`).
    public var included: [Bool]
    /// τ for the ranked loss (`SimilarityRanking`); the plain loss ignores it. Defaults to candidate order.
    public var order: [Int]
    /// |y₁|, the ground truth's token count, over which the NLL term averages.
    public var groundTruthLength: Int

    public init(policyLogProbs: [Double], referenceLogProbs: [Double], included: [Bool], order: [Int]? = nil,
                groundTruthLength: Int) {
        self.policyLogProbs = policyLogProbs
        self.referenceLogProbs = referenceLogProbs
        self.included = included
        self.order = order ?? Array(policyLogProbs.indices)
        self.groundTruthLength = groundTruthLength
    }
}
