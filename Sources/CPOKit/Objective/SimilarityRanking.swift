/// The order τ of the ranked CPO loss (DESIGN §2): the ground truth (candidate 0) first, then the
/// negatives by decreasing cosine similarity of their mean-pooled π_ref final hidden states to the
/// ground truth's (`CandidateScorer` pools them). Equal similarities keep candidate order, so every
/// rank that computes τ from the same states gets the same order.
public enum SimilarityRanking {
    public static func order(pooledHiddenStates states: [[Float]]) -> [Int] {
        guard let groundTruth = states.first else { return [] }
        let similarity = states.map { cosineSimilarity($0, groundTruth) }
        return [0] + states.indices.dropFirst().sorted { similarity[$0] > similarity[$1] || (similarity[$0] == similarity[$1] && $0 < $1) }
    }

    /// cos(a, b) in Double; 0 when either vector is zero, which has no direction.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "cosine similarity of vectors of \(a.count) and \(b.count) entries")
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        return normA == 0 || normB == 0 ? 0 : dot / (normA * normB).squareRoot()
    }
}
