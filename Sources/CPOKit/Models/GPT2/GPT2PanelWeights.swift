/// GPT-2's four block matrices and its tied LM head, packed for decode steps.
typealias GPT2PanelWeights = PanelWeights<GPT2Tensors.BlockPart>

extension PanelWeights where Part == GPT2Tensors.BlockPart {
    static var matrices: [GPT2Tensors.BlockPart] { [.attentionWeight, .attentionProjectionWeight, .mlpWeight, .mlpProjectionWeight] }

    /// Packs `model`'s weights, into `previous`'s memory when given (a copy of a model with the
    /// same config, not used again).
    convenience init(model: GPT2, reusing previous: GPT2PanelWeights? = nil) {
        let config = model.config
        let blocks = model.weights.blocks.map { weights in
            Self.matrices.map { part in
                let shape = part.shape(config)
                return (part, Matrix(weight: weights[part], layout: .inputMajor, inputs: shape[0], outputs: shape[1]))
            }
        }
        self.init(blocks: blocks, head: Matrix(weight: model.weights.tokenEmbedding, layout: .outputMajor, inputs: config.channels,
                                               outputs: config.vocabularySize), reusing: previous)
    }
}
