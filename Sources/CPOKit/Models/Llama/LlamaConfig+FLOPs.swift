extension LlamaConfig {
    /// Multiply-adds of one token's projections in one layer: q, k, v, o, gate, up and down.
    private var projectionMultiplyAdds: Double {
        let c = Double(hiddenSize)
        return c * Double(packedQKVWidth) + Double(heads * headSize) * c + 3 * c * Double(intermediateSize)
    }

    /// Floating-point operations of one forward pass over B sequences of length T, counted from the
    /// matrix products (2 per multiply-add): the seven per-layer projections, the LM head, and
    /// attention's q·kᵀ and p·v for every query head over the keys each position sees (within a
    /// layer's sliding window). Elementwise work is left out. A training step is 3× this.
    public func forwardFLOPs(batchSize: Int, length: Int) -> Double {
        let tokens = Double(batchSize * length)
        let projections = 2 * tokens * projectionMultiplyAdds * Double(layers)
        let head = 2 * tokens * Double(hiddenSize) * Double(vocabularySize)
        let keysSeen = attentionWindows.reduce(0.0) { total, window in
            total + (0..<length).reduce(0.0) { $0 + Double(min($1 + 1, window ?? .max)) }
        }
        let attention = 2 * 2 * Double(batchSize) * keysSeen * Double(heads * headSize)
        return projections + head + attention
    }

    /// FLOPs of one decode step (2 per multiply-add) for `rows` rows whose new token sits at
    /// `position`: every layer's projections, the query heads against the cached keys they see
    /// (q·kᵀ and p·v), and the LM head. Elementwise work is left out, as in `forwardFLOPs`.
    public func decodeStepFLOPs(rows: Int, position: Int) -> Double {
        let keysSeen = attentionWindows.reduce(0.0) { $0 + Double(min(position + 1, $1 ?? .max)) }
        let attention = 2 * 2 * keysSeen * Double(heads * headSize)
        return Double(rows) * (2 * decodeStepWeights + attention)
    }

    /// Every layer's projections and the LM head: one multiply-add each per row.
    public var decodeStepWeights: Double {
        projectionMultiplyAdds * Double(layers) + Double(hiddenSize) * Double(vocabularySize)
    }
}
