/// What a forward pass over up to `capacity` rows (B·T positions) keeps for the backward pass, and
/// the backward pass's scratch. Allocated once and reused from step to step.
final class GPT2Activations {
    struct Block {
        let norm1: FloatBuffer, norm1Mean: FloatBuffer, norm1Rstd: FloatBuffer
        let qkv: FloatBuffer
        /// Per (sequence, head, position) log-sum-exp of the attention scores.
        let attentionLogSumExp: FloatBuffer
        let attention: FloatBuffer
        let residualAfterAttention: FloatBuffer
        let norm2: FloatBuffer, norm2Mean: FloatBuffer, norm2Rstd: FloatBuffer
        /// The MLP's hidden layer before and after GELU.
        let mlp: FloatBuffer, mlpActivated: FloatBuffer
        /// The block's output, the next block's input: kept per layer even when the rest is recomputed.
        var residualAfterMLP: FloatBuffer

        init(config: GPT2Config, rows: Int) {
            let c = config.channels, inner = config.mlpChannels
            (norm1, norm1Mean, norm1Rstd) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows), FloatBuffer(count: rows))
            qkv = FloatBuffer(count: rows * 3 * c)
            attentionLogSumExp = FloatBuffer(count: rows * config.heads)
            attention = FloatBuffer(count: rows * c)
            residualAfterAttention = FloatBuffer(count: rows * c)
            (norm2, norm2Mean, norm2Rstd) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows), FloatBuffer(count: rows))
            (mlp, mlpActivated) = (FloatBuffer(count: rows * inner), FloatBuffer(count: rows * inner))
            residualAfterMLP = FloatBuffer(count: rows * c)
        }
    }

    let capacity: Int
    let recomputation: ActivationRecomputation
    let embedded: FloatBuffer
    let blocks: [Block]
    let finalNormMean: FloatBuffer, finalNormRstd: FloatBuffer
    /// The final LayerNorm's output and what the LM head makes of it.
    let head: LanguageModelHead.Activations

    // Gradients of activations: the residual stream's, and scratch that every block reuses.
    let dResidual: FloatBuffer
    let dNorm: FloatBuffer
    let dQKV: FloatBuffer
    let dAttention: FloatBuffer
    let dMLP: FloatBuffer

    init(config: GPT2Config, capacity rows: Int, recomputation: ActivationRecomputation, logitChunkRows: Int) {
        (capacity, self.recomputation) = (rows, recomputation)
        let c = config.channels
        embedded = FloatBuffer(count: rows * c)
        blocks = recomputation.blockActivations(layers: config.layers, make: { Block(config: config, rows: rows) }) {
            var block = $0
            block.residualAfterMLP = FloatBuffer(count: rows * c)
            return block
        }
        (finalNormMean, finalNormRstd) = (FloatBuffer(count: rows), FloatBuffer(count: rows))
        head = LanguageModelHead.Activations(channels: c, vocabularySize: config.vocabularySize, capacity: rows,
                                                chunkRows: logitChunkRows)
        (dResidual, dNorm, dAttention) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows * c), FloatBuffer(count: rows * c))
        dQKV = FloatBuffer(count: rows * 3 * c)
        dMLP = FloatBuffer(count: rows * config.mlpChannels)
    }
}
