extension Llama: LanguageModel {
    public var blockParameterRanges: [Range<Int>] { LlamaTensors.blockRanges(layout, layers: config.layers) }

    public var lastBatch: (tokens: [Int32], targets: [Int32])? { pass.map { ($0.tokens, $0.targets) } }

    public func makeDecoder(rows: Int, capacity: Int?, reusing previous: (any TokenDecoder)?, packsWeights: Bool) -> any TokenDecoder {
        LlamaDecoder(model: self, rows: rows, capacity: capacity, reusing: previous as? LlamaDecoder, packsWeights: packsWeights)
    }

    public func passFloats(rows: Int, recomputation: ActivationRecomputation) -> (total: Int, logits: Int) {
        let activations = LlamaActivations(config: config, capacity: rows, recomputation: recomputation, logitChunkRows: logitChunkRows)
        return (FloatBufferCount.floats(in: activations), activations.head.chunkLogits.count)
    }

    public func decoderFloats(rows: Int, capacity: Int, promptTokens: Int, packsWeights: Bool) -> Int {
        LlamaDecoder.bufferFloats(model: self, rows: rows, capacity: capacity, promptTokens: promptTokens, packsWeights: packsWeights)
    }
}

extension LlamaConfig: ModelConfig {
    public static var positionsField: String { Llama.positionsField }
    public var endOfText: Int32? { endOfTextIDs.first.map { Int32($0) } }

    public func randomModel(seed: UInt64) throws -> any LanguageModel { Llama(config: self, seed: seed) }
    public func model(loading weights: any TensorSource) throws -> any LanguageModel { try Llama(config: self, checkpoint: weights) }
    public func zeroModel() -> any LanguageModel { Llama(zeroed: self) }
    public func model(parameters: FloatBuffer) -> any LanguageModel { Llama(zeroed: self, parameters: parameters) }
}
