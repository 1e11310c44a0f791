/// A KV-cache decoder of a Llama-family model (see `KVCacheDecoder`). The cache holds every
/// layer's keys — after the rotary embedding, turned by each token's own position — and values:
/// Hkv · d floats each per token and layer. A sliding window only limits which cached positions a
/// query reads.
typealias LlamaDecoder = KVCacheDecoder<Llama>

extension Llama: KVCacheDecodable {
    var cachedWidth: Int { config.keyValueHeads * config.headSize }
    var headWeight: UnsafePointer<Float> { UnsafePointer(weights.head) }

    func packedWeights(reusing previous: LlamaPanelWeights?) -> LlamaPanelWeights { LlamaPanelWeights(model: self, reusing: previous) }

    func layerActivations(rows: Int) -> LlamaActivations.Block { LlamaActivations.Block(config: config, rows: rows) }

    func runLayers(_ entries: DecodeEntries, _ act: LlamaActivations.Block, panels: LlamaPanelWeights?, keys: [FloatBuffer],
                   values: [FloatBuffer], capacity: Int) -> UnsafePointer<Float> {
        let count = entries.tokens.count, w = weights
        let block = LlamaBlock(config: config, rows: count)
        let attention = config.attentionWindows.map {
            CachedAttention(heads: config.heads, keyValueHeads: config.keyValueHeads, headSize: config.headSize, capacity: capacity, window: $0)
        }

        entries.tokens.withUnsafeBufferPointer {
            Embedding(rows: count, channels: config.hiddenSize).forward(out: act.residualAfterMLP.pointer, tokens: $0.baseAddress!,
                                                                        tokenTable: w.embedding, positions: nil)
        }
        entries.rows.withUnsafeBufferPointer { entryRows in
            entries.positions.withUnsafeBufferPointer { positions in
                for (layer, weights) in w.blocks.enumerated() {
                    // The layer reads its input before it writes its output, so one buffer serves as both.
                    block.forward(weights, panels: panels?.blocks[layer], act, input: act.residualAfterMLP.pointer,
                                  rotaryTable: rotaryTable.pointer, position: { positions[$0] }) {
                        attention[layer].forward(out: act.attention.pointer, qkv: act.qkv.pointer, count: count, rows: entryRows.baseAddress!,
                                                 positions: positions.baseAddress!, keys: keys[layer].pointer, values: values[layer].pointer)
                    }
                }
            }
        }
        return UnsafePointer(act.residualAfterMLP.pointer)
    }

    func finalNorm(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, scratch act: LlamaActivations.Block) {
        RMSNorm(rows: rows, channels: config.hiddenSize, epsilon: Float(config.rmsNormEpsilon))
            .forward(out: out, rstd: act.norm1Rstd.pointer, inp: inp, weight: weights.finalNorm)
    }
}
