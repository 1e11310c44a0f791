import Foundation

/// The shape of a GPT-2 model, read and written as a Hugging Face `config.json` that
/// `transformers`' `GPT2LMHeadModel` loads. Fields this code does not read are kept and written
/// back, dropout included, though it is never applied here (`ModelConfig.dropoutNotApplied`).
public struct GPT2Config: Codable, Equatable, Sendable {
    public var vocabularySize: Int
    public var maxPositions: Int
    public var channels: Int
    public var layers: Int
    public var heads: Int
    /// Width of the MLP's hidden layer; nil means 4 · channels.
    public var innerChannels: Int?
    public var layerNormEpsilon: Double
    /// Standard deviation of the random initial weights.
    public var initializerRange: Double
    public var activationFunction: String
    public var tieWordEmbeddings: Bool
    public var beginOfTextID: Int
    public var endOfTextID: Int
    /// The config.json this came from, for the fields written back as they were.
    public var kept = ConfigFieldsKept()

    public var mlpChannels: Int { innerChannels ?? 4 * channels }

    /// The parameters of `GPT2Tensors.descriptions`: token and position embeddings, per block two
    /// LayerNorms, attention (c_attn, c_proj) and MLP (c_fc, c_proj) with biases, the final LayerNorm.
    public var weightFloats: Double {
        let c = Double(channels), inner = innerChannels.map(Double.init) ?? 4 * c
        let block = 4 * c * c + 2 * c * inner + 9 * c + inner
        return (Double(vocabularySize) + Double(maxPositions)) * c + Double(layers) * block + 2 * c
    }
    public var headSize: Int { channels / heads }

    /// The tanh GELU under both of its Hugging Face names.
    static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh"]

    public init(vocabularySize: Int, maxPositions: Int, channels: Int, layers: Int, heads: Int, innerChannels: Int? = nil,
                layerNormEpsilon: Double = 1e-5, initializerRange: Double = 0.02, beginOfTextID: Int? = nil, endOfTextID: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.channels = channels
        self.layers = layers
        self.heads = heads
        self.innerChannels = innerChannels
        self.layerNormEpsilon = layerNormEpsilon
        self.initializerRange = initializerRange
        activationFunction = "gelu_new"
        tieWordEmbeddings = true
        // GPT-2's and the byte tokenizer's <|endoftext|> are both the last id of the vocabulary.
        self.beginOfTextID = beginOfTextID ?? vocabularySize - 1
        self.endOfTextID = endOfTextID ?? vocabularySize - 1
    }

    public static let presetNames = ["tiny", "small", "gpt2-124m", "gpt2-355m", "gpt2-774m", "gpt2-1558m"]

    /// `tiny` is for tests, `small` trains a synthetic task in minutes on two cores; `gpt2-124m`,
    /// `gpt2-355m` (medium), `gpt2-774m` (large) and `gpt2-1558m` (XL, the paper's) are the released
    /// GPT-2 shapes (use vocabulary size 50257 with their tokenizer).
    public static func preset(_ name: String, vocabularySize: Int) throws -> GPT2Config {
        let config: GPT2Config
        switch name {
        case "tiny": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 128, channels: 64, layers: 2, heads: 4)
        case "small": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 256, channels: 256, layers: 4, heads: 4)
        case "gpt2-124m": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 1024, channels: 768, layers: 12, heads: 12)
        case "gpt2-355m": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 1024, channels: 1024, layers: 24, heads: 16)
        case "gpt2-774m": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 1024, channels: 1280, layers: 36, heads: 20)
        case "gpt2-1558m": config = GPT2Config(vocabularySize: vocabularySize, maxPositions: 1024, channels: 1600, layers: 48, heads: 25)
        default: throw ModelError.unknownPreset(name: name, allowed: presetNames)
        }
        try config.validate()
        return config
    }

    /// Throws for a configuration this implementation cannot run, naming the field at fault.
    public func validate(file: String? = nil) throws {
        func fail(_ field: String, _ reason: String) -> ModelError { .invalidConfig(file: file, field: field, reason: reason) }
        let sizes = [("vocab_size", vocabularySize), ("n_positions", maxPositions), ("n_embd", channels), ("n_layer", layers),
                     ("n_head", heads)] + (innerChannels.map { [("n_inner", $0)] } ?? [])
        for (field, value) in sizes where value <= 0 { throw fail(field, "must be positive, is \(value)") }
        // Before anything multiplies the sizes as Int.
        try ModelError.checkWeightsFit(weightFloats, fields: sizes, file: file)
        guard channels % heads == 0 else { throw fail("n_head", "n_embd \(channels) is not divisible by n_head \(heads)") }
        guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else { throw fail("layer_norm_epsilon", "must be positive, is \(layerNormEpsilon)") }
        guard initializerRange >= 0, initializerRange.isFinite else { throw fail("initializer_range", "must be non-negative, is \(initializerRange)") }
        guard Self.supportedActivations.contains(activationFunction) else {
            throw fail("activation_function", "'\(activationFunction)' is not supported (\(Self.supportedActivations.joined(separator: ", ")))")
        }
        guard tieWordEmbeddings else { throw fail("tie_word_embeddings", "only tied input and output embeddings are supported") }
    }

    /// Reads and validates a `config.json`.
    public static func load(from url: URL) throws -> GPT2Config {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadableConfig(file: url.path, reason: (error as NSError).localizedDescription)
        }
        return try GPT2Config(configJSON: data, file: url.path)
    }

    fileprivate enum CodingKeys: String, CodingKey {
        case modelType = "model_type", architectures
        case vocabularySize = "vocab_size", maxPositions = "n_positions", channels = "n_embd", layers = "n_layer"
        case heads = "n_head", innerChannels = "n_inner", layerNormEpsilon = "layer_norm_epsilon"
        case initializerRange = "initializer_range", activationFunction = "activation_function"
        case tieWordEmbeddings = "tie_word_embeddings", beginOfTextID = "bos_token_id", endOfTextID = "eos_token_id"
        case residualDropout = "resid_pdrop", embeddingDropout = "embd_pdrop", attentionDropout = "attn_pdrop"
        case scaleAttentionWeights = "scale_attn_weights", scaleByInverseLayer = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcast = "reorder_and_upcast_attn"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .modelType), type != "gpt2" {
            throw ModelError.invalidConfig(file: nil, field: "model_type", reason: "is '\(type)', expected 'gpt2'")
        }
        // Variants of the attention arithmetic that this implementation does not have.
        for (key, expected) in [(CodingKeys.scaleAttentionWeights, true), (.scaleByInverseLayer, false), (.reorderAndUpcast, false)] {
            if let value = try c.decodeIfPresent(Bool.self, forKey: key), value != expected {
                throw ModelError.invalidConfig(file: nil, field: key.rawValue, reason: "only \(expected) is supported")
            }
        }
        vocabularySize = try c.wholeNumber(.vocabularySize)
        maxPositions = try c.wholeNumber(.maxPositions)
        channels = try c.wholeNumber(.channels)
        layers = try c.wholeNumber(.layers)
        heads = try c.wholeNumber(.heads)
        innerChannels = try c.wholeNumberIfPresent(.innerChannels)
        layerNormEpsilon = try c.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? 1e-5
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
        activationFunction = try c.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? true
        beginOfTextID = try c.wholeNumberIfPresent(.beginOfTextID) ?? 50256
        endOfTextID = try c.wholeNumberIfPresent(.endOfTextID) ?? 50256
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("gpt2", forKey: .modelType)
        try c.encode(["GPT2LMHeadModel"], forKey: .architectures)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(maxPositions, forKey: .maxPositions)
        try c.encode(channels, forKey: .channels)
        try c.encode(layers, forKey: .layers)
        try c.encode(heads, forKey: .heads)
        if let innerChannels { try c.encode(innerChannels, forKey: .innerChannels) } else { try c.encodeNil(forKey: .innerChannels) }
        try c.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(activationFunction, forKey: .activationFunction)
        try c.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try c.encode(beginOfTextID, forKey: .beginOfTextID)
        try c.encode(endOfTextID, forKey: .endOfTextID)
        // A folder's dropout is kept as it came, absent where it was (transformers then assumes 0.1); a
        // preset (no fields kept) was made here, where dropout is never applied, so its rates are 0.
        if kept.fields.isEmpty {
            for key in [CodingKeys.residualDropout, .embeddingDropout, .attentionDropout] { try c.encode(0.0, forKey: key) }
        }
        try c.encode(true, forKey: .scaleAttentionWeights)
        try c.encode(false, forKey: .scaleByInverseLayer)
        try c.encode(false, forKey: .reorderAndUpcast)
    }
}

private extension KeyedDecodingContainer where Key == GPT2Config.CodingKeys {
    /// An integer field. Foundation's decoder reports a fraction (64.5) or a number beyond Int as
    /// "not valid JSON", naming no field, so such a value is read again as a number to name both.
    func wholeNumberIfPresent(_ key: Key) throws -> Int? {
        do { return try decodeIfPresent(Int.self, forKey: key) } catch {
            guard let number = try? decodeIfPresent(Double.self, forKey: key) else { throw error }
            throw ModelError.invalidConfig(file: nil, field: key.rawValue, reason: "must be a whole number of at most 64 bits, is \(number)")
        }
    }

    func wholeNumber(_ key: Key) throws -> Int {
        guard let value = try wholeNumberIfPresent(key) else { throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "")) }
        return value
    }
}
