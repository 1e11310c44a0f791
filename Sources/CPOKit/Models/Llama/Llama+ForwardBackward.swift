/// Training forward and backward passes over a batch of B sequences of length T (see `LanguageModel`).
extension Llama {
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
            activations = LlamaActivations(config: config, capacity: rows, recomputation: recomputation, logitChunkRows: logitChunkRows)
        }
        let a = activations!
        pass = ForwardPass(batchSize: batchSize, length: length, tokens: tokens, targets: targets, head: a.head,
                           headGradientWeights: lossWeights)
        let k = Kernels(config: config, batchSize: batchSize, length: length)
        let w = weights

        tokens.withUnsafeBufferPointer {
            k.embedding.forward(out: a.embedded.pointer, tokens: $0.baseAddress!, tokenTable: w.embedding, positions: nil)
        }
        var residual = a.embedded
        for layer in 0..<config.layers {
            forwardBlock(layer, k, a, input: residual, length: length)
            residual = a.blocks[layer].residualAfterMLP
        }
        k.finalNorm.forward(out: a.head.finalNorm.pointer, rstd: a.finalNormRstd.pointer, inp: residual.pointer, weight: w.finalNorm)
        k.head.forward(a.head, weight: w.head, targets: targets,
                       gradient: lossWeights.map { .init(lossWeights: $0, dweight: weightGradients.head, dNorm: a.dNorm.pointer) })
    }

    public var nll: UnsafeBufferPointer<Float> { pass.ran.nll }

    public func withLogits(at positions: [Int], _ body: (_ index: Int, _ logits: UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let pass = pass.ran
        try Kernels(config: config, batchSize: pass.batchSize, length: pass.length).head
            .withLogits(pass.head, weight: weights.head, rows: positions, body)
    }
    /// After the final RMSNorm.
    public var hiddenStates: UnsafeBufferPointer<Float> { pass.ran.hiddenStates }

    /// Adds ∂L/∂θ to `gradients` for a loss L whose derivative by nll[b, t] is `lossWeights[b, t]`
    /// ([B, T]; ignored at masked positions). With a tied head, the embedding's gradient sums its
    /// two uses.
    ///
    /// `reduction`, when given, hears of each layer as soon as the layer's gradients are final.
    public func backward(lossWeights: [Float], reduction: GradientReduction?) {
        let pass = self.pass.startBackward(lossWeights: lossWeights), a = activations!
        let k = Kernels(config: config, batchSize: pass.batchSize, length: pass.length)
        let w = weights, g = weightGradients, length = pass.length

        if pass.headGradientWeights == nil {
            k.head.backward(a.head, weight: w.head, dweight: g.head, dNorm: a.dNorm.pointer, targets: pass.targets, lossWeights: lossWeights)
        }
        a.dResidual.pointer.update(repeating: 0, count: pass.rows * config.hiddenSize)
        k.finalNorm.backward(dinp: a.dResidual.pointer, dweight: g.finalNorm, dout: a.dNorm.pointer,
                             inp: a.blocks.last?.residualAfterMLP.pointer ?? a.embedded.pointer, rstd: a.finalNormRstd.pointer, weight: w.finalNorm)
        for layer in (0..<config.layers).reversed() {
            let act = a.blocks[layer]
            let input = layer == 0 ? a.embedded : a.blocks[layer - 1].residualAfterMLP
            if a.recomputation == .blocks { forwardBlock(layer, k, a, input: input, length: length) }
            k.block.backward(w.blocks[layer], g.blocks[layer], act, input: input.pointer, scratch: a, rotaryTable: rotaryTable.pointer,
                             position: { $0 % length }) {
                k.attention[layer].backward(dqkv: a.dQKV.pointer, dout: a.dAttention.pointer, qkv: act.qkv.pointer,
                                            out: act.attention.pointer, logSumExp: act.attentionLogSumExp.pointer)
            }
            reduction?.blockFinished(layer)
        }
        pass.tokens.withUnsafeBufferPointer {
            k.embedding.backward(dTokenTable: g.embedding, positions: nil, dout: a.dResidual.pointer, tokens: $0.baseAddress!,
                                 paddingToken: config.paddingTokenID.map(Int32.init))
        }
    }

    /// Runs block `layer` on `input` into its activations; rows are positions of sequences of `length`.
    private func forwardBlock(_ layer: Int, _ k: Kernels, _ a: LlamaActivations, input: FloatBuffer, length: Int) {
        let act = a.blocks[layer]
        k.block.forward(weights.blocks[layer], act, input: input.pointer, rotaryTable: rotaryTable.pointer, position: { $0 % length }) {
            k.attention[layer].forward(out: act.attention.pointer, logSumExp: act.attentionLogSumExp.pointer, qkv: act.qkv.pointer)
        }
    }

    /// The kernels of one pass, sized for its batch.
    private struct Kernels {
        let embedding: Embedding
        let block: LlamaBlock
        /// Per layer: layers may differ in their sliding window.
        let attention: [CausalAttention]
        let finalNorm: RMSNorm
        let head: LanguageModelHead

        init(config: LlamaConfig, batchSize: Int, length: Int) {
            let rows = batchSize * length
            embedding = Embedding(rows: rows, channels: config.hiddenSize)
            block = LlamaBlock(config: config, rows: rows)
            attention = config.attentionWindows.map {
                CausalAttention(batchSize: batchSize, length: length, heads: config.heads, keyValueHeads: config.keyValueHeads,
                                headSize: config.headSize, window: $0)
            }
            finalNorm = block.norm
            head = LanguageModelHead(rows: rows, channels: config.hiddenSize, vocabularySize: config.vocabularySize)
        }
    }
}
