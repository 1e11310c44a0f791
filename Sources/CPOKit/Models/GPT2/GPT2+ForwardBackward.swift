/// Training forward and backward passes over a batch of B sequences of length T (see `LanguageModel`).
extension GPT2 {
    /// Runs the model on `tokens` ([B, T] row-major) and scores `targets` ([B, T]; −1 masks a
    /// position). Afterwards `nll`, `withLogits` and `hiddenStates` describe this batch. Given
    /// `lossWeights`, the LM head's gradient for them is taken now (see `LanguageModel`).
    public func forward(tokens: [Int32], targets: [Int32], batchSize: Int, length: Int, lossWeights: [Float]?) throws {
        try ForwardPass.check(tokens: tokens, targets: targets, batchSize: batchSize, length: length, vocabularySize: config.vocabularySize,
                              maxPositions: config.maxPositions, positionsField: Self.positionsField)
        let rows = batchSize * length
        if let lossWeights { precondition(lossWeights.count == rows, "forward() needs one loss weight per position") }
        if (activations?.capacity ?? 0) < rows || activations?.recomputation != recomputation
            || activations?.head.chunkRows != logitChunkRows {
            activations = GPT2Activations(config: config, capacity: rows, recomputation: recomputation, logitChunkRows: logitChunkRows)
        }
        let a = activations!
        pass = ForwardPass(batchSize: batchSize, length: length, tokens: tokens, targets: targets, head: a.head,
                           headGradientWeights: lossWeights)
        let k = Kernels(config: config, batchSize: batchSize, length: length)
        let w = weights

        tokens.withUnsafeBufferPointer {
            k.embedding.forward(out: a.embedded.pointer, tokens: $0.baseAddress!, tokenTable: w.tokenEmbedding,
                                positions: Embedding.Positions(table: w.positionEmbedding, position: { $0 % length }))
        }
        var residual = a.embedded
        for layer in 0..<config.layers {
            forwardBlock(layer, k, a, input: residual)
            residual = a.blocks[layer].residualAfterMLP
        }
        k.finalNorm.forward(out: a.head.finalNorm.pointer, mean: a.finalNormMean.pointer, rstd: a.finalNormRstd.pointer,
                            inp: residual.pointer, weight: w.finalNormWeight, bias: w.finalNormBias)
        k.head.forward(a.head, weight: w.tokenEmbedding, targets: targets,
                       gradient: lossWeights.map { .init(lossWeights: $0, dweight: weightGradients.tokenEmbedding, dNorm: a.dNorm.pointer) })
    }

    public var nll: UnsafeBufferPointer<Float> { pass.ran.nll }

    public func withLogits(at positions: [Int], _ body: (_ index: Int, _ logits: UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let pass = pass.ran
        try Kernels(config: config, batchSize: pass.batchSize, length: pass.length).head
            .withLogits(pass.head, weight: weights.tokenEmbedding, rows: positions, body)
    }
    /// After the final LayerNorm.
    public var hiddenStates: UnsafeBufferPointer<Float> { pass.ran.hiddenStates }

    /// Adds ∂L/∂θ to `gradients` for a loss L whose derivative by nll[b, t] is `lossWeights[b, t]`
    /// ([B, T]; ignored at masked positions).
    ///
    /// `reduction`, when given, hears of each block as soon as the block's gradients are final, and
    /// sums them over the ranks while this pass goes on with the blocks below.
    public func backward(lossWeights: [Float], reduction: GradientReduction?) {
        let pass = self.pass.startBackward(lossWeights: lossWeights), a = activations!
        let k = Kernels(config: config, batchSize: pass.batchSize, length: pass.length)
        let w = weights, g = weightGradients
        let rows = pass.rows, c = config.channels

        if pass.headGradientWeights == nil {
            k.head.backward(a.head, weight: w.tokenEmbedding, dweight: g.tokenEmbedding, dNorm: a.dNorm.pointer, targets: pass.targets,
                            lossWeights: lossWeights)
        }
        a.dResidual.pointer.update(repeating: 0, count: rows * c)
        k.finalNorm.backward(dinp: a.dResidual.pointer, dweight: g.finalNormWeight, dbias: g.finalNormBias, dout: a.dNorm.pointer,
                             inp: a.blocks.last?.residualAfterMLP.pointer ?? a.embedded.pointer,
                             mean: a.finalNormMean.pointer, rstd: a.finalNormRstd.pointer, weight: w.finalNormWeight)
        for layer in (0..<config.layers).reversed() {
            let act = a.blocks[layer]
            let input = layer == 0 ? a.embedded : a.blocks[layer - 1].residualAfterMLP
            if a.recomputation == .blocks { forwardBlock(layer, k, a, input: input) }
            k.block.backward(w.blocks[layer], g.blocks[layer], act, input: input.pointer, scratch: a) {
                k.attention.backward(dqkv: a.dQKV.pointer, dout: a.dAttention.pointer, qkv: act.qkv.pointer, out: act.attention.pointer,
                                     logSumExp: act.attentionLogSumExp.pointer)
            }
            reduction?.blockFinished(layer)
        }
        pass.tokens.withUnsafeBufferPointer {
            k.embedding.backward(dTokenTable: g.tokenEmbedding, positions: Embedding.Positions(table: g.positionEmbedding, position: { $0 % pass.length }),
                                 dout: a.dResidual.pointer, tokens: $0.baseAddress!)
        }
    }

    /// Runs block `layer` on `input` into its activations.
    private func forwardBlock(_ layer: Int, _ k: Kernels, _ a: GPT2Activations, input: FloatBuffer) {
        let act = a.blocks[layer]
        k.block.forward(weights.blocks[layer], act, input: input.pointer) {
            k.attention.forward(out: act.attention.pointer, logSumExp: act.attentionLogSumExp.pointer, qkv: act.qkv.pointer)
        }
    }

    /// The kernels of one pass, sized for its batch.
    private struct Kernels {
        let embedding: Embedding
        let block: GPT2Block
        let attention: CausalAttention
        let finalNorm: LayerNorm
        let head: LanguageModelHead

        init(config: GPT2Config, batchSize: Int, length: Int) {
            let rows = batchSize * length, c = config.channels
            embedding = Embedding(rows: rows, channels: c)
            block = GPT2Block(config: config, rows: rows)
            attention = CausalAttention(batchSize: batchSize, length: length, heads: config.heads, keyValueHeads: config.heads,
                                        headSize: config.headSize)
            finalNorm = block.norm
            head = LanguageModelHead(rows: rows, channels: c, vocabularySize: config.vocabularySize)
        }
    }
}
