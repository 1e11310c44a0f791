import Foundation

/// The shape of a model of one family, read from and written to a Hugging Face `config.json`.
///
/// The config is where a family starts: it knows its `model_type`s and presets, and makes the
/// family's model from random weights or from a checkpoint. `ModelRegistry` lists the families.
public protocol ModelConfig: Sendable, Equatable {
    /// The `model_type` values of config.json this family reads, the first being the one it writes.
    static var modelTypes: [String] { get }
    static var presetNames: [String] { get }
    /// A preset shape with `vocabularySize` token embeddings (a tokenizer's size).
    static func preset(_ name: String, vocabularySize: Int) throws -> Self
    /// The vocabulary of the tokenizer a preset was made for (the byte tokenizer's 257 for the
    /// project's own small presets), used where no tokenizer says otherwise: the benchmarks.
    static func presetVocabularySize(_ name: String) -> Int
    /// Reads and validates a config.json object; `file` names it in errors.
    init(configJSON data: Data, file: String?) throws

    var modelType: String { get }
    var vocabularySize: Int { get }
    /// Most positions a sequence may have.
    var maxPositions: Int { get }
    /// The config.json field of `maxPositions` (`n_positions`, `max_position_embeddings`).
    static var positionsField: String { get }
    /// Width of the final hidden states (what ranking pools).
    var hiddenSize: Int { get }
    var layers: Int { get }
    /// Floats a model of this shape allocates for its weights (parameters, and fixed tables such as
    /// RoPE's), counted in Double so that no config can overflow the count.
    var weightFloats: Double { get }
    /// config.json's `eos_token_id` (its first entry when it lists several), if any.
    var endOfText: Int32? { get }
    /// config.json as this model writes it: the fields it was read with, changed only where they
    /// describe what is written.
    func configJSON() throws -> Data

    /// Matrix-product FLOPs of one forward pass over B sequences of length T (2 per multiply-add;
    /// elementwise work left out). A training step is 3× this.
    func forwardFLOPs(batchSize: Int, length: Int) -> Double
    /// Matrix-product FLOPs of one decode step of `rows` tokens at `position` (keys 0...position).
    func decodeStepFLOPs(rows: Int, position: Int) -> Double
    /// Weights one decode step reads from memory, whatever its rows: every block matrix and the LM
    /// head (norms, biases and the few embedding rows looked up are left out).
    var decodeStepWeights: Double { get }

    /// A model with random initial weights; the same seed gives the same weights on any thread count.
    func randomModel(seed: UInt64) throws -> any LanguageModel
    /// A model with the parameters of `weights`, checked tensor by tensor against this config.
    func model(loading weights: any TensorSource) throws -> any LanguageModel
    /// A model with this shape and zero parameters, to be filled (an ensemble's mix).
    func zeroModel() -> any LanguageModel
    /// A model with this shape over `parameters`, laid out as this family lays them out: weights
    /// that live elsewhere, such as a reference shared by the ranks of a node.
    func model(parameters: FloatBuffer) -> any LanguageModel
    /// Equality across families: configs of different families are never the same.
    func isSame(as other: any ModelConfig) -> Bool
}

extension ModelConfig {
    public func isSame(as other: any ModelConfig) -> Bool { (other as? Self) == self }
}

extension ModelConfig {
    public var family: String { Self.modelTypes[0] }

    /// The dropout rates config.json gives that are not 0, by field: training here applies none
    /// (the fields are written back as they came, for other trainers).
    public var dropoutNotApplied: [String: Double] {
        guard let json = try? configJSON(), case let .object(fields)? = try? JSONDecoder().decode(JSONValue.self, from: json) else { return [:] }
        return fields.reduce(into: [:]) { rates, field in
            guard field.key.hasSuffix("dropout") || field.key.hasSuffix("_pdrop") else { return }
            switch field.value {
            case let .number(rate) where rate != 0: rates[field.key] = rate
            case let .integer(rate) where rate != 0: rates[field.key] = Double(rate)
            default: break
            }
        }
    }
}
