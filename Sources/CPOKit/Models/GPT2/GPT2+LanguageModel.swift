import Foundation

extension GPT2: LanguageModel {
    public var blockParameterRanges: [Range<Int>] { GPT2Tensors.blockRanges(layout, layers: config.layers) }

    public var lastBatch: (tokens: [Int32], targets: [Int32])? { pass.map { ($0.tokens, $0.targets) } }

    public func makeDecoder(rows: Int, capacity: Int?, reusing previous: (any TokenDecoder)?, packsWeights: Bool) -> any TokenDecoder {
        GPT2Decoder(model: self, rows: rows, capacity: capacity, reusing: previous as? GPT2Decoder, packsWeights: packsWeights)
    }

    public func passFloats(rows: Int, recomputation: ActivationRecomputation) -> (total: Int, logits: Int) {
        let activations = GPT2Activations(config: config, capacity: rows, recomputation: recomputation, logitChunkRows: logitChunkRows)
        return (FloatBufferCount.floats(in: activations), activations.head.chunkLogits.count)
    }

    public func decoderFloats(rows: Int, capacity: Int, promptTokens: Int, packsWeights: Bool) -> Int {
        GPT2Decoder.bufferFloats(model: self, rows: rows, capacity: capacity, promptTokens: promptTokens, packsWeights: packsWeights)
    }
}

extension GPT2Config: ModelConfig {
    public static let modelTypes = ["gpt2"]
    public static var positionsField: String { GPT2.positionsField }

    public static func presetVocabularySize(_ name: String) -> Int { name.hasPrefix("gpt2-") ? 50257 : ByteTokenizer().vocabularySize }

    public init(configJSON data: Data, file: String?) throws {
        do { self = try JSONDecoder().decode(GPT2Config.self, from: data) } catch let error as ModelError {
            guard case let .invalidConfig(nil, field, reason) = error else { throw error }
            throw ModelError.invalidConfig(file: file, field: field, reason: reason)
        } catch {
            throw ModelError.unreadableConfig(file: file ?? "config", reason: ModelError.describe(error))
        }
        try validate(file: file)
        kept = ConfigFieldsKept(json: data)
    }

    public var modelType: String { Self.modelTypes[0] }
    public var hiddenSize: Int { channels }
    public var endOfText: Int32? { Int32(endOfTextID) }

    public func configJSON() throws -> Data {
        try kept.merged(under: JSONEncoder().encode(self))
    }

    public func randomModel(seed: UInt64) throws -> any LanguageModel { try GPT2(config: self, seed: seed) }
    public func model(loading weights: any TensorSource) throws -> any LanguageModel { try GPT2(config: self, checkpoint: weights) }
    public func zeroModel() -> any LanguageModel { GPT2(validated: self) }
    public func model(parameters: FloatBuffer) -> any LanguageModel { GPT2(validated: self, parameters: parameters) }
}
