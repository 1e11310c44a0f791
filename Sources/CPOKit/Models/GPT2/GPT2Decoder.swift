/// A KV-cache decoder of GPT-2 (see `KVCacheDecoder`): the cache holds C floats per token and
/// layer for the keys and as many for the values.
typealias GPT2Decoder = KVCacheDecoder<GPT2>

extension GPT2: KVCacheDecodable {
    var cachedWidth: Int { config.channels }
    var headWeight: UnsafePointer<Float> { UnsafePointer(weights.tokenEmbedding) }

    func packedWeights(reusing previous: GPT2PanelWeights?) -> GPT2PanelWeights { GPT2PanelWeights(model: self, reusing: previous) }

    func layerActivations(rows: Int) -> GPT2Activations.Block { GPT2Activations.Block(config: config, rows: rows) }

    func runLayers(_ entries: DecodeEntries, _ act: GPT2Activations.Block, panels: GPT2PanelWeights?, keys: [FloatBuffer],
                   values: [FloatBuffer], capacity: Int) -> UnsafePointer<Float> {
        let count = entries.tokens.count, w = weights
        let block = GPT2Block(config: config, rows: count)
        let attention = CachedAttention(heads: config.heads, keyValueHeads: config.heads, headSize: config.headSize, capacity: capacity)

        let positions = entries.positions
        entries.tokens.withUnsafeBufferPointer {
            Embedding(rows: count, channels: config.channels)
                .forward(out: act.residualAfterMLP.pointer, tokens: $0.baseAddress!, tokenTable: w.tokenEmbedding,
                         positions: Embedding.Positions(table: w.positionEmbedding, position: { positions[$0] }))
        }
        entries.rows.withUnsafeBufferPointer { entryRows in
            positions.withUnsafeBufferPointer { positions in
                for (layer, weights) in w.blocks.enumerated() {
                    // The block reads its input before it writes its output, so one buffer serves as both.
                    block.forward(weights, panels: panels?.blocks[layer], act, input: act.residualAfterMLP.pointer) {
                        attention.forward(out: act.attention.pointer, qkv: act.qkv.pointer, count: count, rows: entryRows.baseAddress!,
                                          positions: positions.baseAddress!, keys: keys[layer].pointer, values: values[layer].pointer)
                    }
                }
            }
        }
        return UnsafePointer(act.residualAfterMLP.pointer)
    }

    func finalNorm(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, scratch act: GPT2Activations.Block) {
        LayerNorm(rows: rows, channels: config.channels, epsilon: Float(config.layerNormEpsilon))
            .forward(out: out, mean: act.norm1Mean.pointer, rstd: act.norm1Rstd.pointer, inp: inp, weight: weights.finalNormWeight,
                     bias: weights.finalNormBias)
    }
}
