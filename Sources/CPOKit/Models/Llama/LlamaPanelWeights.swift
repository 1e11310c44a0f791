/// A Llama layer's four products — q, k, v stacked; o; gate and up stacked; down — and the LM
/// head, packed for decode steps; keyed by each product's first part.
typealias LlamaPanelWeights = PanelWeights<LlamaTensors.BlockPart>

extension PanelWeights where Part == LlamaTensors.BlockPart {
    /// Packs `model`'s weights, into `previous`'s memory when given (a copy of a model with the
    /// same config, not used again).
    convenience init(model: Llama, reusing previous: LlamaPanelWeights? = nil) {
        let config = model.config, c = config.hiddenSize, inner = config.intermediateSize
        let products: [(LlamaTensors.BlockPart, inputs: Int, outputs: Int)] = [
            (.query, c, config.packedQKVWidth), (.output, config.heads * config.headSize, c), (.gate, c, 2 * inner), (.down, inner, c),
        ]
        let blocks = model.weights.blocks.map { weights in
            products.map { ($0.0, Matrix(weight: weights[required: $0.0], layout: .outputMajor, inputs: $0.inputs, outputs: $0.outputs)) }
        }
        self.init(blocks: blocks, head: Matrix(weight: model.weights.head, layout: .outputMajor, inputs: c, outputs: config.vocabularySize),
                  reusing: previous)
    }
}
