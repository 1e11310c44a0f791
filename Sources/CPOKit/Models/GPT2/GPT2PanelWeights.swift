/// The four weight matrices of every block and the LM head, copied into `FewRowsMatrixProduct`'s
/// panel layout for decode steps. A decode step reads every weight once; a panel streamed as one
/// run comes from memory faster than W's 16-float pieces of rows 3C or 4C floats apart (the
/// 16-row block products of GPT-2 124M on one thread: 70 against 55 GFLOP/s).
///
/// A copy: it holds the weights as they were when it was made, so it lives as long as one
/// generation, during which the weights do not change; the next generation can pack into its memory.
final class GPT2PanelWeights {
    static let matrices: [GPT2Tensors.BlockPart] = [.attentionWeight, .attentionProjectionWeight, .mlpWeight, .mlpProjectionWeight]

    struct Block {
        let panels: [GPT2Tensors.BlockPart: UnsafePointer<Float>]
        subscript(part: GPT2Tensors.BlockPart) -> UnsafePointer<Float> { panels[part]! }
    }

    private let buffer: FloatBuffer
    let blocks: [Block]
    /// The tied token embedding [V, C] as the head's W.
    let head: UnsafePointer<Float>

    /// Packs `model`'s weights, into `previous`'s memory when given (a copy of a model with the
    /// same config, not used again).
    init(model: GPT2, reusing previous: GPT2PanelWeights? = nil) {
        let config = model.config
        let shapes = Self.matrices.map { $0.shape(config) }
        let perBlock = shapes.map { FewRowsMatrixProduct.packedCount(inputs: $0[0], outputs: $0[1]) }
        let c = config.channels, vocabulary = config.vocabularySize
        let headCount = FewRowsMatrixProduct.packedCount(inputs: c, outputs: vocabulary)
        let count = config.layers * perBlock.reduce(0, +) + headCount
        let buffer = previous.flatMap { $0.buffer.count == count ? $0.buffer : nil } ?? FloatBuffer(count: count)
        var next = buffer.pointer
        blocks = model.weights.blocks.map { weights in
            var panels: [GPT2Tensors.BlockPart: UnsafePointer<Float>] = [:]
            for (part, (shape, count)) in zip(Self.matrices, zip(shapes, perBlock)) {
                FewRowsMatrixProduct.packPanels(weights[part], layout: .inputMajor, inputs: shape[0], outputs: shape[1], into: next)
                panels[part] = UnsafePointer(next)
                next += count
            }
            return Block(panels: panels)
        }
        FewRowsMatrixProduct.packPanels(model.weights.tokenEmbedding, layout: .outputMajor, inputs: c, outputs: vocabulary, into: next)
        head = UnsafePointer(next)
        self.buffer = buffer
    }
}
