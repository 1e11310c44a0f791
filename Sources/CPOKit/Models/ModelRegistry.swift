import Foundation

/// The model families, by the `model_type` of their config.json. A new family is a folder with a
/// `ModelConfig` and its model, and one line here.
public enum ModelRegistry {
    public static let families: [any ModelConfig.Type] = [
        GPT2Config.self,
        LlamaConfig.self,
    ]

    public static var modelTypes: [String] { families.flatMap { $0.modelTypes } }
    public static var presetNames: [String] { families.flatMap { $0.presetNames } }

    /// Reads a config.json and hands it to the family its `model_type` names.
    public static func loadConfig(from url: URL) throws -> any ModelConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadableConfig(file: url.path, reason: (error as NSError).localizedDescription)
        }
        return try config(fromJSON: data, file: url.path)
    }

    public static func config(fromJSON data: Data, file: String?) throws -> any ModelConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.unreadableConfig(file: file ?? "config", reason: "not a JSON object")
        }
        guard let type = object["model_type"] as? String else {
            throw ModelError.invalidConfig(file: file, field: "model_type", reason: "is missing; supported: \(modelTypes.joined(separator: ", "))")
        }
        guard let family = families.first(where: { $0.modelTypes.contains(type) }) else {
            throw ModelError.unknownModelType(file: file, modelType: type, allowed: modelTypes)
        }
        return try family.init(configJSON: data, file: file)
    }

    /// A preset of whichever family has it; without `vocabularySize`, the preset's own tokenizer's;
    /// without `maxPositions`, the preset's own context.
    public static func preset(_ name: String, vocabularySize: Int? = nil, maxPositions: Int? = nil) throws -> any ModelConfig {
        guard let family = families.first(where: { $0.presetNames.contains(name) }) else {
            throw ModelError.unknownPreset(name: name, allowed: presetNames)
        }
        let config = try family.preset(name, vocabularySize: vocabularySize ?? family.presetVocabularySize(name))
        return try maxPositions.map { try config.withMaxPositions($0) } ?? config
    }
}
