extension LlamaConfig {
    public static let presetNames = ["llama-tiny", "smollm2-135m", "llama3.2-1b"]

    /// The vocabulary sizes of the released models whose shapes the presets are.
    public static func presetVocabularySize(_ name: String) -> Int { releasedVocabularySizes[name] ?? ByteTokenizer().vocabularySize }

    public static let releasedVocabularySizes = ["smollm2-135m": 49152, "llama3.2-1b": 128256]

    /// `llama-tiny` is for tests (grouped-query attention, head_dim ≠ hidden_size / heads);
    /// `smollm2-135m` and `llama3.2-1b` are the shapes of SmolLM2-135M and Llama 3.2 1B, with 2048
    /// positions. Their released token ids are used with their released vocabulary sizes.
    public static func preset(_ name: String, vocabularySize: Int) throws -> LlamaConfig {
        let released = releasedVocabularySizes[name] == vocabularySize
        switch name {
        case "llama-tiny":
            return try LlamaConfig(vocabularySize: vocabularySize, hiddenSize: 64, intermediateSize: 128, layers: 2, heads: 4,
                                   keyValueHeads: 2, headSize: 24, maxPositions: 128)
        case "smollm2-135m":
            return try LlamaConfig(vocabularySize: vocabularySize, hiddenSize: 576, intermediateSize: 1536, layers: 30, heads: 9,
                                   keyValueHeads: 3, maxPositions: 2048, ropeTheta: 100_000,
                                   beginOfTextID: released ? 0 : nil, endOfTextID: released ? 0 : nil)
        case "llama3.2-1b":
            return try LlamaConfig(vocabularySize: vocabularySize, hiddenSize: 2048, intermediateSize: 8192, layers: 16, heads: 32,
                                   keyValueHeads: 8, headSize: 64, maxPositions: 2048, ropeTheta: 500_000,
                                   ropeScaling: .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192),
                                   beginOfTextID: released ? 128_000 : nil, endOfTextID: released ? 128_001 : nil)
        default:
            throw ModelError.unknownPreset(name: name, allowed: presetNames)
        }
    }

    /// A preset with the vocabulary its model was released with (llama-tiny: the byte tokenizer's 257).
    public static func preset(_ name: String) throws -> LlamaConfig {
        try preset(name, vocabularySize: releasedVocabularySizes[name] ?? ByteTokenizer().vocabularySize)
    }
}
