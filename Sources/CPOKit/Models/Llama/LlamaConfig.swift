import Foundation

/// The shape of a Llama-family model — `model_type` llama, qwen2 or mistral — read from and
/// written to a Hugging Face `config.json` under transformers' field names, with transformers'
/// defaults for absent fields.
///
/// A config keeps the JSON object it was read from: `configJSON()` writes it back with only
/// `dtype`/`torch_dtype` set to float32 (this code writes F32 weights), so a folder it writes
/// loads in transformers as the one it read, fields it does not use included. A config is
/// therefore immutable; one built in code (`init(modelType:…)`, the presets) is written as the
/// JSON object it was built from.
public struct LlamaConfig: Codable, Equatable, Sendable {
    public let modelType: String
    public let vocabularySize: Int
    public let hiddenSize: Int
    /// Width of the MLP's gated hidden layer.
    public let intermediateSize: Int
    public let layers: Int
    /// Query heads.
    public let heads: Int
    /// Key/value heads, each shared by heads / keyValueHeads query heads (grouped-query attention).
    public let keyValueHeads: Int
    /// `head_dim`: may differ from hiddenSize / heads; q_proj has heads · headSize outputs.
    public let headSize: Int
    public let maxPositions: Int
    public let rmsNormEpsilon: Double
    public let tieWordEmbeddings: Bool
    /// Biases on q_proj, k_proj and v_proj: Qwen2 always, Llama with `attention_bias`.
    public let queryKeyValueBias: Bool
    /// A bias on o_proj: Llama with `attention_bias` (Qwen2's o_proj has none).
    public let outputBias: Bool
    public let mlpBias: Bool
    public let ropeTheta: Double
    public let ropeScaling: RoPEScaling
    /// Standard deviation of the random initial weights.
    public let initializerRange: Double
    /// `pad_token_id`: its embedding row starts at zero and gets no gradient from the input side,
    /// as with PyTorch's `nn.Embedding(padding_idx:)`.
    public let paddingTokenID: Int?
    public let beginOfTextID: Int?
    /// `eos_token_id`, which may list several.
    public let endOfTextIDs: [Int]
    /// Per layer, the most positions a query attends to, itself included (Mistral's and Qwen2's
    /// sliding window); nil: full causal attention.
    public let attentionWindows: [Int?]
    /// The config.json object, dtype set to float32.
    private let json: [String: JSONValue]

    /// Width of a row of q, k and v packed together: (H + 2·Hkv)·d.
    var packedQKVWidth: Int { (heads + 2 * keyValueHeads) * headSize }

    public static let modelTypes = ["llama", "qwen2", "mistral"]
    /// SiLU under both of its Hugging Face names.
    static let supportedActivations = ["silu", "swish"]
    static let supportedRoPETypes = ["default", "linear", "llama3"]

    /// Reads and validates a config.json object; `file` names it in errors.
    public init(configJSON data: Data, file: String?) throws {
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ModelError.unreadableConfig(file: file ?? "config", reason: ModelError.describe(error))
        }
        guard case let .object(object) = value else { throw ModelError.unreadableConfig(file: file ?? "config", reason: "not a JSON object") }
        try self.init(object: object, file: file)
    }

    /// A config built in code, as transformers would write it. `attentionBias` (q, k, v and o) and
    /// `mlpBias` are Llama's; `slidingWindow` is Mistral's or Qwen2's (on every layer). Absent ids
    /// default to the vocabulary's last, where the byte tokenizer keeps its end of text.
    public init(modelType: String = "llama", vocabularySize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int, heads: Int,
                keyValueHeads: Int? = nil, headSize: Int? = nil, maxPositions: Int, rmsNormEpsilon: Double = 1e-5,
                tieWordEmbeddings: Bool = true, attentionBias: Bool = false, mlpBias: Bool = false, ropeTheta: Double = 10000,
                ropeScaling: RoPEScaling = .none, slidingWindow: Int? = nil, initializerRange: Double = 0.02,
                beginOfTextID: Int? = nil, endOfTextID: Int? = nil) throws {
        func fail(_ field: String, _ reason: String) -> ModelError { .invalidConfig(file: nil, field: field, reason: reason) }
        guard let architecture = ["llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "mistral": "MistralForCausalLM"][modelType] else {
            throw ModelError.unknownModelType(file: nil, modelType: modelType, allowed: Self.modelTypes)
        }
        var object: [String: JSONValue] = [
            "model_type": .string(modelType), "architectures": .array([.string(architecture)]),
            "vocab_size": .integer(vocabularySize), "hidden_size": .integer(hiddenSize), "intermediate_size": .integer(intermediateSize),
            "num_hidden_layers": .integer(layers), "num_attention_heads": .integer(heads),
            "num_key_value_heads": .integer(keyValueHeads ?? heads), "head_dim": .integer(headSize ?? hiddenSize / max(heads, 1)),
            "max_position_embeddings": .integer(maxPositions), "rms_norm_eps": .number(rmsNormEpsilon),
            "tie_word_embeddings": .bool(tieWordEmbeddings), "hidden_act": .string("silu"), "initializer_range": .number(initializerRange),
            "bos_token_id": .integer(beginOfTextID ?? vocabularySize - 1), "eos_token_id": .integer(endOfTextID ?? vocabularySize - 1),
            "torch_dtype": .string("float32"),
        ]
        // transformers 5 reads `rope_parameters`; older versions `rope_theta` and `rope_scaling`.
        var rope: [String: JSONValue] = ["rope_theta": .number(ropeTheta)]
        switch ropeScaling {
        case .none: rope["rope_type"] = .string("default")
        case let .linear(factor): rope.merge(["rope_type": .string("linear"), "factor": .number(factor)]) { $1 }
        case let .llama3(factor, low, high, original):
            rope.merge(["rope_type": .string("llama3"), "factor": .number(factor), "low_freq_factor": .number(low),
                        "high_freq_factor": .number(high), "original_max_position_embeddings": .integer(original)]) { $1 }
        }
        object["rope_parameters"] = .object(rope)
        object["rope_theta"] = .number(ropeTheta)
        object["rope_scaling"] = ropeScaling == .none ? .null : .object(rope.filter { $0.key != "rope_theta" })
        switch modelType {
        case "llama":
            if slidingWindow != nil { throw fail("sliding_window", "llama has no sliding-window attention") }
            object["attention_bias"] = .bool(attentionBias)
            object["mlp_bias"] = .bool(mlpBias)
        default:
            if attentionBias { throw fail("attention_bias", "only llama configures attention biases (qwen2 always has q, k, v biases)") }
            if mlpBias { throw fail("mlp_bias", "only llama has MLP biases") }
            object["sliding_window"] = slidingWindow.map { .integer($0) } ?? .null
            if modelType == "qwen2" {
                object["use_sliding_window"] = .bool(slidingWindow != nil)
                object["max_window_layers"] = .integer(0)
            }
        }
        // As the written file reads back (10000.0 comes back an integer), so the two are equal.
        let written = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(JSONValue.object(object)))
        guard case let .object(normalised) = written else { preconditionFailure("a JSON object encodes as one") }
        try self.init(object: normalised, file: nil)
    }

    private init(object: [String: JSONValue], file: String?) throws {
        let fields = Fields(object: object, file: file)
        guard let modelType = try fields.string("model_type") else {
            throw fields.fail("model_type", "is missing; supported: \(Self.modelTypes.joined(separator: ", "))")
        }
        guard Self.modelTypes.contains(modelType) else { throw ModelError.unknownModelType(file: file, modelType: modelType, allowed: Self.modelTypes) }
        self.modelType = modelType
        vocabularySize = try fields.positive("vocab_size")
        hiddenSize = try fields.positive("hidden_size")
        intermediateSize = try fields.positive("intermediate_size")
        layers = try fields.positive("num_hidden_layers")
        heads = try fields.positive("num_attention_heads")
        keyValueHeads = try fields.positive("num_key_value_heads", default: heads)
        guard heads % keyValueHeads == 0 else {
            throw fields.fail("num_key_value_heads", "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(keyValueHeads)")
        }
        headSize = try fields.positive("head_dim", default: hiddenSize / heads)
        guard headSize % 2 == 0 else { throw fields.fail("head_dim", "must be even (rotary embeddings turn pairs of dimensions), is \(headSize)") }
        maxPositions = try fields.positive("max_position_embeddings", default: ["llama": 2048, "qwen2": 32768, "mistral": 131072][modelType]!)
        rmsNormEpsilon = try fields.double("rms_norm_eps") ?? 1e-6
        guard rmsNormEpsilon > 0, rmsNormEpsilon.isFinite else { throw fields.fail("rms_norm_eps", "must be positive, is \(rmsNormEpsilon)") }
        tieWordEmbeddings = try fields.bool("tie_word_embeddings") ?? false
        initializerRange = try fields.double("initializer_range") ?? 0.02
        guard initializerRange >= 0, initializerRange.isFinite else {
            throw fields.fail("initializer_range", "must be non-negative, is \(initializerRange)")
        }
        let activation = try fields.string("hidden_act") ?? "silu"
        guard Self.supportedActivations.contains(activation) else {
            throw fields.fail("hidden_act", "'\(activation)' is not supported (\(Self.supportedActivations.joined(separator: ", ")))")
        }
        paddingTokenID = try fields.int("pad_token_id")
        if let paddingTokenID, !(0..<vocabularySize).contains(paddingTokenID) {
            throw fields.fail("pad_token_id", "\(paddingTokenID) is outside the vocabulary 0..<\(vocabularySize)")
        }
        beginOfTextID = try fields.tokenIDs("bos_token_id").first
        endOfTextIDs = try fields.tokenIDs("eos_token_id")

        switch modelType {
        case "llama":
            let attentionBias = try fields.bool("attention_bias") ?? false
            (queryKeyValueBias, outputBias, mlpBias) = (attentionBias, attentionBias, try fields.bool("mlp_bias") ?? false)
            if let parallelism = try fields.int("pretraining_tp"), parallelism != 1 {
                throw fields.fail("pretraining_tp", "only 1 is supported (the products of a tensor-parallel pretraining split are not reproduced), is \(parallelism)")
            }
        case "qwen2": (queryKeyValueBias, outputBias, mlpBias) = (true, false, false)
        default: (queryKeyValueBias, outputBias, mlpBias) = (false, false, false)
        }
        // Before anything is built per layer or position.
        try ModelError.checkWeightsFit(
            Self.weightFloats(vocabulary: vocabularySize, hidden: hiddenSize, intermediate: intermediateSize, layers: layers, heads: heads,
                              keyValueHeads: keyValueHeads, headSize: headSize, positions: maxPositions, tied: tieWordEmbeddings,
                              biases: (queryKeyValueBias, outputBias, mlpBias)),
            fields: [("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                     ("num_hidden_layers", layers), ("num_attention_heads", heads), ("num_key_value_heads", keyValueHeads),
                     ("head_dim", headSize), ("max_position_embeddings", maxPositions)], file: file)
        (ropeTheta, ropeScaling) = try Self.rope(fields, maxPositions: maxPositions)
        attentionWindows = try Self.windows(fields, modelType: modelType, layers: layers)

        var json = object
        for key in ["dtype", "torch_dtype"] where json[key] != nil { json[key] = .string("float32") }
        if json["dtype"] == nil && json["torch_dtype"] == nil { json["torch_dtype"] = .string("float32") }
        self.json = json
    }

    /// RoPE as transformers reads it: `rope_scaling` (older configs) or else `rope_parameters`
    /// (transformers 5) holds the type and its parameters, `rope_theta` sits in there or at the top.
    private static func rope(_ fields: Fields, maxPositions: Int) throws -> (theta: Double, scaling: RoPEScaling) {
        var parameters = Fields(object: [:], file: fields.file)
        for key in ["rope_scaling", "rope_parameters"] {
            guard let value = fields.object[key], value != .null else { continue }
            guard case let .object(object) = value else { throw fields.fail(key, "must be an object or null") }
            if object.isEmpty { continue }
            if let nested = object.first(where: { if case .object = $0.value { return true } else { return false } }) {
                throw fields.fail("\(key).\(nested.key)", "RoPE parameters per layer type are not supported")
            }
            parameters = Fields(object: object, file: fields.file, prefix: key + ".")
            break
        }
        let thetaSource = try parameters.double("rope_theta") != nil ? parameters : fields
        let theta = try thetaSource.double("rope_theta") ?? 10000
        guard theta > 0, theta.isFinite else { throw thetaSource.fail("rope_theta", "must be positive, is \(theta)") }
        for source in [parameters, fields] {
            if let factor = try source.double("partial_rotary_factor"), factor != 1 {
                throw source.fail("partial_rotary_factor", "only 1 is supported (rotary embeddings over the whole head), is \(factor)")
            }
        }
        let typeKey = parameters.object["rope_type"] == nil && parameters.object["type"] != nil ? "type" : "rope_type"
        let type = try parameters.string(typeKey) ?? "default"
        switch type {
        case "default":
            return (theta, .none)
        case "linear":
            return (theta, .linear(factor: try parameters.positiveDouble("factor")))
        case "llama3":
            let low = try parameters.positiveDouble("low_freq_factor"), high = try parameters.positiveDouble("high_freq_factor")
            guard high > low else { throw parameters.fail("high_freq_factor", "must exceed low_freq_factor \(low), is \(high)") }
            // transformers takes a top-level original_max_position_embeddings over the parameters' own.
            let original = try fields.int("original_max_position_embeddings") ?? parameters.int("original_max_position_embeddings") ?? maxPositions
            guard original > 0 else { throw parameters.fail("original_max_position_embeddings", "must be positive, is \(original)") }
            return (theta, .llama3(factor: try parameters.positiveDouble("factor"), lowFrequencyFactor: low, highFrequencyFactor: high,
                                   originalMaxPositions: original))
        default:
            throw parameters.fail(typeKey, "'\(type)' is not supported (\(supportedRoPETypes.joined(separator: ", ")))")
        }
    }

    /// The sliding window of each layer: Mistral's on every layer (4096 unless config.json says
    /// otherwise or null); Qwen2's only with `use_sliding_window`, on the layers `layer_types` names
    /// (else from `max_window_layers` on). Llama has none.
    private static func windows(_ fields: Fields, modelType: String, layers: Int) throws -> [Int?] {
        func window(default: Int?) throws -> Int? {
            let window = fields.object["sliding_window"] == nil ? `default` : try fields.int("sliding_window")
            if let window, window < 1 { throw fields.fail("sliding_window", "must be at least 1 or null, is \(window)") }
            return window
        }
        switch modelType {
        case "mistral":
            return Array(repeating: try window(default: 4096), count: layers)
        case "qwen2":
            guard try fields.bool("use_sliding_window") ?? false, let window = try window(default: 4096) else {
                return Array(repeating: nil, count: layers)
            }
            guard let types = fields.object["layer_types"], types != .null else {
                let first = try fields.int("max_window_layers") ?? 28
                return (0..<layers).map { $0 >= first ? window : nil }
            }
            let failure = fields.fail("layer_types", "must name full_attention or sliding_attention for each of the \(layers) layers")
            guard case let .array(values) = types, values.count == layers else { throw failure }
            return try values.map { type in
                switch type {
                case .string("full_attention"): return nil
                case .string("sliding_attention"): return window
                default: throw failure
                }
            }
        default:
            return Array(repeating: nil, count: layers)
        }
    }

    public init(from decoder: Decoder) throws {
        try self.init(object: try [String: JSONValue](from: decoder), file: nil)
    }

    public func encode(to encoder: Encoder) throws {
        try json.encode(to: encoder)
    }

    public func configJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Typed reads of a config.json object's fields; errors name the field (with `prefix`, the
    /// object it sits in). Absent and null fields read as nil.
    private struct Fields {
        let object: [String: JSONValue]
        let file: String?
        var prefix = ""

        func fail(_ key: String, _ reason: String) -> ModelError { .invalidConfig(file: file, field: prefix + key, reason: reason) }

        func int(_ key: String) throws -> Int? {
            switch object[key] {
            case nil, .null?: return nil
            case let .integer(value)?: return value
            case let .number(value)? where value.rounded() == value && abs(value) < 1e15: return Int(value)
            default: throw fail(key, "must be a whole number")
            }
        }

        func double(_ key: String) throws -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case let .integer(value)?: return Double(value)
            case let .number(value)?: return value
            default: throw fail(key, "must be a number")
            }
        }

        func bool(_ key: String) throws -> Bool? {
            switch object[key] {
            case nil, .null?: return nil
            case let .bool(value)?: return value
            default: throw fail(key, "must be true or false")
            }
        }

        func string(_ key: String) throws -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case let .string(value)?: return value
            default: throw fail(key, "must be a string")
            }
        }

        func positive(_ key: String, default: Int? = nil) throws -> Int {
            guard let value = try int(key) ?? `default` else { throw fail(key, "is missing") }
            guard value > 0 else { throw fail(key, "must be positive, is \(value)") }
            return value
        }

        func positiveDouble(_ key: String) throws -> Double {
            guard let value = try double(key) else { throw fail(key, "is missing") }
            guard value > 0, value.isFinite else { throw fail(key, "must be positive, is \(value)") }
            return value
        }

        /// A token id, a list of them, or null.
        func tokenIDs(_ key: String) throws -> [Int] {
            guard case let .array(values)? = object[key] else { return try int(key).map { [$0] } ?? [] }
            return try values.indices.map { i in
                let entry = "\(key)[\(i)]"
                guard let id = try Fields(object: [entry: values[i]], file: file, prefix: prefix).int(entry) else { throw fail(entry, "is null") }
                return id
            }
        }
    }
}
