import Foundation

/// The CPO loss of one example over its candidates' rewards r_k (candidate 0 is the ground truth),
/// with g_k = ∂ℓ/∂r_k — all the backward pass needs, since ∇θ ℓ = β Σ_k g_k ∇θ s_θ(y_k|x).
///
/// Both variants are Plackett–Luce likelihoods of an order over the included candidates, so they
/// share one computation: the plain loss −r₁ + logsumexp_k r_k is the first stage alone (the ground
/// truth beats all), the ranked loss −Σ_{i=1}^{K−1} (r_τ(i) − logsumexp_{j≥i} r_τ(j)) takes every stage.
/// A candidate that is not `included` (a negative identical to the ground truth, DESIGN §2) is in
/// neither the softmax nor the order and gets g = 0; with no negative left the loss is 0.
public struct ContrastiveLoss: Sendable, Equatable {
    public let value: Double
    /// ∂ℓ/∂r_k per candidate.
    public let gradient: [Double]

    /// `included` defaults to every candidate.
    public static func plain(rewards: [Double], included: [Bool]? = nil) -> ContrastiveLoss {
        plackettLuce(rewards: rewards, order: Array(rewards.indices), included: included, stages: 1)
    }

    /// `order` is τ, a permutation of the candidate indices with the ground truth (0) first.
    public static func ranked(rewards: [Double], order: [Int], included: [Bool]? = nil) -> ContrastiveLoss {
        plackettLuce(rewards: rewards, order: order, included: included, stages: rewards.count)
    }

    /// −Σ over the first `stages` stages i of (r_τ(i) − logsumexp_{j≥i} r_τ(j)), τ restricted to the
    /// included candidates; stage i adds softmax_{j≥i}(r) − [j = τ(i)] to the gradient.
    private static func plackettLuce(rewards: [Double], order: [Int], included: [Bool]?, stages: Int) -> ContrastiveLoss {
        let included = included ?? [Bool](repeating: true, count: rewards.count)
        precondition(!rewards.isEmpty && included.count == rewards.count, "one inclusion flag per candidate")
        precondition(included[0], "the ground truth (candidate 0) cannot be excluded")
        precondition(order.first == 0 && order.sorted() == Array(rewards.indices),
                     "the order must rank every candidate once, the ground truth first: \(order)")
        let ranking = order.filter { included[$0] }
        var value = 0.0
        var gradient = [Double](repeating: 0, count: rewards.count)
        for stage in 0 ..< min(stages, ranking.count - 1) {
            let remaining = ranking[stage...]
            let normalizer = logSumExp(remaining.map { rewards[$0] })
            value -= rewards[ranking[stage]] - normalizer
            gradient[ranking[stage]] -= 1
            for k in remaining { gradient[k] += exp(rewards[k] - normalizer) }
        }
        return ContrastiveLoss(value: value, gradient: gradient)
    }

    /// log Σ exp(x), shifted by the maximum so that large rewards neither overflow nor lose the rest.
    static func logSumExp(_ values: [Double]) -> Double {
        let largest = values.max()!
        return largest + log(values.reduce(0.0) { $0 + exp($1 - largest) })
    }
}
