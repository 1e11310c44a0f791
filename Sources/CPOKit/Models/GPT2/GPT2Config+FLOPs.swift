extension GPT2Config {
    /// Floating-point operations of one forward pass over B sequences of length T, counted from the
    /// matrix products (2 per multiply-add): the four per-block projections, the LM head, and
    /// causal attention's q·kᵀ and p·v over the keys each position sees. Elementwise work is left
    /// out. A training step (forward and backward) is 3× this.
    public func forwardFLOPs(batchSize: Int, length: Int) -> Double {
        let tokens = Double(batchSize * length), c = Double(channels), inner = Double(mlpChannels)
        let projections = 2 * tokens * (c * 3 * c + c * c + 2 * c * inner) * Double(layers)
        let head = 2 * tokens * c * Double(vocabularySize)
        let keysSeen = Double(batchSize) * Double(length * (length + 1) / 2)
        let attention = 2 * 2 * keysSeen * c * Double(layers)
        return projections + head + attention
    }

    /// FLOPs of one decode step (2 per multiply-add) for `rows` rows whose new token sits at
    /// `position`: the four projections of every block, the query against position + 1 cached keys
    /// (q·kᵀ and p·v), and the LM head. Elementwise work is left out, as in `forwardFLOPs`.
    public func decodeStepFLOPs(rows: Int, position: Int) -> Double {
        let attention = 2 * 2 * Double(position + 1) * Double(channels) * Double(layers)
        return Double(rows) * (2 * decodeStepWeights + attention)
    }

    /// The four matrices of every block and the tied LM head: one multiply-add each per row.
    public var decodeStepWeights: Double {
        let c = Double(channels), inner = Double(mlpChannels)
        return (c * 3 * c + c * c + 2 * c * inner) * Double(layers) + c * Double(vocabularySize)
    }
}
