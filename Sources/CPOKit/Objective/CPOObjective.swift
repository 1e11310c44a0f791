/// The CPO objective over a batch of examples (DESIGN §2): the mean over examples of the plain or
/// ranked contrastive loss of the rewards r_k = β (s_θ(y_k|x) − s_ref(y_k|x)), plus λ times the mean
/// over examples of the ground truth's mean token NLL under π_θ.
///
/// The NLL term averages over tokens like PyTorch's cross-entropy (and the RPO / TRL `rpo_alpha`
/// convention), so λ weighs it on the MLE loss's scale whatever the response lengths; averaging per
/// example first keeps every example's weight equal, as in the contrastive term.
public struct CPOObjective: Sendable, Equatable {
    public let beta: Double
    public let loss: ContrastiveLossKind
    /// λ.
    public let nllWeight: Double

    public init(beta: Double, loss: ContrastiveLossKind = .plain, nllWeight: Double = 0) throws {
        guard beta.isFinite && beta > 0 else { throw OptionError(option: "beta", value: "\(beta)", allowed: "a number > 0") }
        guard nllWeight.isFinite && nllWeight >= 0 else {
            throw OptionError(option: "nll-weight", value: "\(nllWeight)", allowed: "a number ≥ 0 (0 turns the NLL term off)")
        }
        self.beta = beta
        self.loss = loss
        self.nllWeight = nllWeight
    }

    public func evaluate(_ examples: [ExampleCandidates]) -> CPOBatchLoss {
        precondition(!examples.isEmpty, "a batch needs an example")
        let count = Double(examples.count)
        var contrastive = 0.0, nll = 0.0, wins = 0, contested = 0, duplicates = 0
        var rewards: [[Double]] = [], scoreGradients: [[Double]] = []
        for (index, example) in examples.enumerated() {
            let k = example.policyLogProbs.count
            precondition(k >= 1 && example.referenceLogProbs.count == k && example.included.count == k && example.order.count == k,
                         "example \(index): one policy and reference log-prob, inclusion flag and rank per candidate")
            precondition(example.groundTruthLength >= 1, "example \(index): the ground truth has no tokens")
            let r = zip(example.policyLogProbs, example.referenceLogProbs).map { beta * ($0 - $1) }
            let term = switch loss {
            case .plain: ContrastiveLoss.plain(rewards: r, included: example.included)
            case .ranked: ContrastiveLoss.ranked(rewards: r, order: example.order, included: example.included)
            }
            let length = Double(example.groundTruthLength)
            contrastive += term.value
            nll -= example.policyLogProbs[0] / length
            // ∂/∂s_θ: the rewards scale it by β, the mean over examples by 1/count, and the ground
            // truth's mean token NLL −s_θ(y₁)/|y₁| adds −λ/|y₁| to it.
            var gradient = term.gradient.map { beta * $0 / count }
            gradient[0] -= nllWeight / (length * count)
            rewards.append(r)
            scoreGradients.append(gradient)

            let negatives = r.indices.dropFirst().filter { example.included[$0] }
            duplicates += k - 1 - negatives.count
            if !negatives.isEmpty {
                contested += 1
                if negatives.allSatisfy({ r[$0] < r[0] }) { wins += 1 }
            }
        }
        return CPOBatchLoss(loss: (contrastive + nllWeight * nll) / count, contrastiveLoss: contrastive / count,
                            groundTruthNLL: nll / count, rewards: rewards, scoreGradients: scoreGradients,
                            rewardAccuracy: contested > 0 ? Double(wins) / Double(contested) : nil,
                            duplicateNegatives: duplicates)
    }
}

/// The CPO objective's value on a batch and its derivative by every candidate's s_θ.
public struct CPOBatchLoss: Sendable, Equatable {
    /// Mean over examples of ℓ, plus λ · `groundTruthNLL`.
    public let loss: Double
    /// Mean over examples of ℓ.
    public let contrastiveLoss: Double
    /// Mean over examples of the ground truth's mean token NLL under π_θ, −s_θ(y₁|x)/|y₁|.
    public let groundTruthNLL: Double
    /// r_k per example and candidate.
    public let rewards: [[Double]]
    /// ∂loss/∂s_θ(y_k|x) per example and candidate: β g_k / examples, and −λ / (examples · |y₁|)
    /// more for the ground truth.
    public let scoreGradients: [[Double]]
    /// The fraction of examples with an included negative whose ground truth out-rewards them all;
    /// nil when no example has one.
    public let rewardAccuracy: Double?
    /// Negatives identical to their ground truth, left out of the loss.
    public let duplicateNegatives: Int

    /// `scoreGradients` in the order of `rows`, for `CandidateScorer.backward`.
    public func scoreGradients(for rows: [CandidateRow]) -> [Double] {
        rows.map { scoreGradients[$0.example][$0.candidate] }
    }
}
