import Foundation

/// Finds the tokenizer a folder (a checkpoint, or a downloaded Hugging Face model) was saved with.
public enum TokenizerFolder {
    /// Hugging Face's tokenizer metadata file; `ByteTokenizer` records itself in it.
    public static let configFileName = "tokenizer_config.json"
    /// The config key naming this project's own tokenizer kinds, which Hugging Face ignores.
    public static let kindKey = "cpo_tokenizer"

    /// The first the folder has: Hugging Face's `tokenizer.json` (with `tokenizer_config.json`),
    /// GPT-2 BPE from `vocab.json` and `merges.txt`, or a byte tokenizer when
    /// `tokenizer_config.json` says `"cpo_tokenizer": "byte"`.
    public static func load(from folder: URL) throws -> any Tokenizer {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw TokenizerError.unreadable(file: folder.path, reason: "no such folder")
        }
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) }
        if has(HuggingFaceTokenizer.fileName) { return try HuggingFaceTokenizer(folder: folder) }
        if has(GPT2Tokenizer.vocabularyFileName) || has(GPT2Tokenizer.mergesFileName) { return try GPT2Tokenizer(folder: folder) }
        let configURL = folder.appendingPathComponent(configFileName)
        if has(configFileName), let kind = try kind(in: configURL) {
            guard kind == ByteTokenizer.kind else {
                throw TokenizerError.malformedConfig(file: configURL.path, reason: "unknown \(kindKey) '\(kind)'")
            }
            return ByteTokenizer()
        }
        throw TokenizerError.notATokenizerFolder(folder: folder.path)
    }

    /// The CLI's `--tokenizer byte|DIR`: the word `byte` means the byte tokenizer, anything else is a
    /// folder path.
    public static func resolve(_ argument: String) throws -> any Tokenizer {
        argument == ByteTokenizer.kind ? ByteTokenizer() : try load(from: URL(fileURLWithPath: argument))
    }

    private static func kind(in configURL: URL) throws -> String? {
        let config: Any
        do {
            config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL))
        } catch {
            throw TokenizerError.malformedConfig(file: configURL.path, reason: "not JSON (\(error))")
        }
        guard let fields = config as? [String: Any] else {
            throw TokenizerError.malformedConfig(file: configURL.path, reason: "not a JSON object")
        }
        guard let value = fields[kindKey] else { return nil }
        guard let kind = value as? String else {
            throw TokenizerError.malformedConfig(file: configURL.path, reason: "\(kindKey) is not a string")
        }
        return kind
    }
}
