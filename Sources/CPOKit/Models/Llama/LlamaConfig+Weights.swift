extension LlamaConfig {
    /// The parameters of `LlamaTensors.descriptions` and the RoPE table of `maxPositions` × head_dim.
    public var weightFloats: Double {
        Self.weightFloats(vocabulary: vocabularySize, hidden: hiddenSize, intermediate: intermediateSize, layers: layers, heads: heads,
                          keyValueHeads: keyValueHeads, headSize: headSize, positions: maxPositions, tied: tieWordEmbeddings,
                          biases: (queryKeyValueBias, outputBias, mlpBias))
    }

    /// The same from the fields, for `init` to check them before it builds anything per layer.
    static func weightFloats(vocabulary: Int, hidden: Int, intermediate: Int, layers: Int, heads: Int, keyValueHeads: Int, headSize: Int,
                             positions: Int, tied: Bool, biases: (queryKeyValue: Bool, output: Bool, mlp: Bool)) -> Double {
        let c = Double(hidden), inner = Double(intermediate), q = Double(heads) * Double(headSize), kv = Double(keyValueHeads) * Double(headSize)
        var block = 2 * c + c * (q + 2 * kv) + q * c + 3 * c * inner
        if biases.queryKeyValue { block += q + 2 * kv }
        if biases.output { block += c }
        if biases.mlp { block += 2 * inner + c }
        let embeddings = Double(vocabulary) * c * (tied ? 1 : 2)
        return embeddings + Double(layers) * block + c + Double(positions) * Double(headSize)
    }
}
