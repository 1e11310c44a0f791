/// What a forward pass over up to `capacity` rows (B·T positions) keeps for the backward pass, and
/// the backward pass's scratch. Allocated once and reused from step to step.
final class LlamaActivations {
    struct Block {
        let norm1: FloatBuffer, norm1Rstd: FloatBuffer
        /// q, k and v packed per row, [rows, (H + 2·Hkv)·d]; q and k after the rotary embedding.
        let qkv: FloatBuffer
        /// Per (sequence, head, position) log-sum-exp of the attention scores.
        let attentionLogSumExp: FloatBuffer
        let attention: FloatBuffer
        let residualAfterAttention: FloatBuffer
        let norm2: FloatBuffer, norm2Rstd: FloatBuffer
        /// gate_proj and up_proj outputs side by side, [rows, 2·I], and silu(gate) · up, [rows, I].
        let gateUp: FloatBuffer, activated: FloatBuffer
        /// The block's output, the next block's input: kept per layer even when the rest is recomputed.
        var residualAfterMLP: FloatBuffer

        init(config: LlamaConfig, rows: Int) {
            let c = config.hiddenSize, inner = config.intermediateSize
            (norm1, norm1Rstd) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows))
            qkv = FloatBuffer(count: rows * config.packedQKVWidth)
            attentionLogSumExp = FloatBuffer(count: rows * config.heads)
            attention = FloatBuffer(count: rows * config.heads * config.headSize)
            residualAfterAttention = FloatBuffer(count: rows * c)
            (norm2, norm2Rstd) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows))
            (gateUp, activated) = (FloatBuffer(count: rows * 2 * inner), FloatBuffer(count: rows * inner))
            residualAfterMLP = FloatBuffer(count: rows * c)
        }
    }

    let capacity: Int
    let recomputation: ActivationRecomputation
    let embedded: FloatBuffer
    let blocks: [Block]
    let finalNormRstd: FloatBuffer
    /// The final RMSNorm's output and what the LM head makes of it.
    let head: LanguageModelHead.Activations

    // Gradients of activations: the residual stream's, and scratch that every block reuses.
    let dResidual: FloatBuffer
    let dNorm: FloatBuffer
    let dQKV: FloatBuffer
    let dAttention: FloatBuffer
    let dGateUp: FloatBuffer
    let dActivated: FloatBuffer

    init(config: LlamaConfig, capacity rows: Int, recomputation: ActivationRecomputation, logitChunkRows: Int) {
        (capacity, self.recomputation) = (rows, recomputation)
        let c = config.hiddenSize, inner = config.intermediateSize
        embedded = FloatBuffer(count: rows * c)
        blocks = recomputation.blockActivations(layers: config.layers, make: { Block(config: config, rows: rows) }) {
            var block = $0
            block.residualAfterMLP = FloatBuffer(count: rows * c)
            return block
        }
        finalNormRstd = FloatBuffer(count: rows)
        head = LanguageModelHead.Activations(channels: c, vocabularySize: config.vocabularySize, capacity: rows,
                                                chunkRows: logitChunkRows)
        (dResidual, dNorm) = (FloatBuffer(count: rows * c), FloatBuffer(count: rows * c))
        dQKV = FloatBuffer(count: rows * config.packedQKVWidth)
        dAttention = FloatBuffer(count: rows * config.heads * config.headSize)
        (dGateUp, dActivated) = (FloatBuffer(count: rows * 2 * inner), FloatBuffer(count: rows * inner))
    }
}
