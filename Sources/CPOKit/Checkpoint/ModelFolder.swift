import Foundation

/// A model folder a command takes as `--model DIR`: a Hugging Face folder (`config.json`, whose
/// `model_type` picks the family, `model.safetensors`, tokenizer files), such as a run's `final/`
/// or `checkpoint-STEP/`.
public enum ModelFolder {
    /// Loads the model and, unless `tokenizer` is given, the tokenizer saved beside it; a folder
    /// with a checkpoint manifest must match it, byte for byte (`CheckpointFolder.verifyIntact`). Without
    /// `weights` the model has the folder's shape and zero parameters, untouched (address space
    /// only): what a memory plan needs.
    public static func load(_ folder: URL, tokenizer: (any Tokenizer)? = nil, weights: Bool = true) throws
        -> (model: any LanguageModel, tokenizer: any Tokenizer) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.unreadable(path: folder.path, reason: "no such folder")
        }
        // A folder this program wrote proves its bytes; a Hugging Face folder has no manifest to check.
        let checkpoint = CheckpointFolder(url: folder)
        if weights && checkpoint.hasManifest {
            do { try checkpoint.verifyIntact() } catch let defect as CheckpointError {
                throw CheckpointError.untrusted(folder: folder.path, defect: defect)
            }
        }
        let config = try ModelRegistry.loadConfig(from: folder.appendingPathComponent(CheckpointFolder.configFile))
        let model = weights ? try config.model(loading: ModelWeights(folder: folder)) : config.zeroModel()
        let configFile = folder.appendingPathComponent(CheckpointFolder.configFile).path
        if let tokenizer { try checkEndOfText(tokenizer, agreesWith: config, configFile: configFile) }
        let tokenizer = try tokenizer ?? loadTokenizer(folder, config: config)
        try checkVocabulary(tokenizer, fits: config, source: folder.path)
        return (model, tokenizer)
    }

    /// A tokenizer given in place of the folder's own must end a text where the model does: with
    /// another end-of-text the model would be trained, and would generate, to stop at a token it does
    /// not stop at.
    static func checkEndOfText(_ tokenizer: any Tokenizer, agreesWith config: any ModelConfig, configFile: String) throws {
        guard let json = try? config.configJSON(), case let .object(fields)? = try? JSONDecoder().decode(JSONValue.self, from: json) else { return }
        let ids: [Int]
        switch fields["eos_token_id"] {
        case let .integer(id)?: ids = [id]
        case let .array(values)?: ids = values.compactMap { if case let .integer(id) = $0 { return id } else { return nil } }
        default: return
        }
        guard !ids.isEmpty, !ids.contains(Int(tokenizer.endOfText)) else { return }
        throw ModelError.invalidConfig(file: configFile, field: "eos_token_id",
            reason: "is \(ids.count == 1 ? String(ids[0]) : "\(ids)"), but the tokenizer given ends a text with token \(tokenizer.endOfText) "
                + "(of \(tokenizer.vocabularySize)): give the model's own tokenizer, or one whose end-of-text is the model's")
    }

    /// The folder's tokenizer, or, in a folder with no tokenizer files, `TokenIDsOnly` with
    /// config.json's `eos_token_id`.
    private static func loadTokenizer(_ folder: URL, config: any ModelConfig) throws -> any Tokenizer {
        do { return try TokenizerFolder.load(from: folder) } catch let error as TokenizerError {
            guard case .notATokenizerFolder = error else { throw error }
            guard let endOfText = config.endOfText else {
                throw ModelError.invalidConfig(file: folder.appendingPathComponent(CheckpointFolder.configFile).path, field: "eos_token_id",
                                               reason: "is missing, and the folder has no tokenizer to say where a continuation ends")
            }
            return TokenIDsOnly(vocabularySize: config.vocabularySize, endOfText: endOfText, reason: "\(error)")
        }
    }

    /// Every id the tokenizer produces must have an embedding row.
    public static func checkVocabulary(_ tokenizer: any Tokenizer, fits config: any ModelConfig, source: String) throws {
        guard tokenizer.vocabularySize <= config.vocabularySize, Int(tokenizer.endOfText) < config.vocabularySize else {
            throw ModelError.invalidConfig(file: source, field: "vocab_size",
                reason: "is \(config.vocabularySize), but the tokenizer has \(tokenizer.vocabularySize) tokens")
        }
    }
}
