/// Why a tokenizer could not be loaded or saved; every case names the file (and, for merges, the
/// 1-based line) at fault.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The folder holds no `tokenizer.json`, no GPT-2 `vocab.json` + `merges.txt` and no byte
    /// tokenizer's config.
    case notATokenizerFolder(folder: String)
    case unreadable(file: String, reason: String)
    case malformedConfig(file: String, reason: String)
    case malformedVocabulary(file: String, reason: String)
    case malformedMerges(file: String, line: Int, reason: String)
    /// A `tokenizer.json` (or its `tokenizer_config.json`) field, e.g. `model.merges[12]`, is wrong.
    case malformedTokenizerFile(file: String, field: String, reason: String)
    /// A `tokenizer.json` component (normalizer, pre-tokenizer, model, decoder, post-processor)
    /// of a type this project does not implement.
    case unsupportedComponent(file: String, field: String, type: String)

    public var description: String {
        switch self {
        case let .notATokenizerFolder(folder):
            return "\(folder): no tokenizer here (looked for tokenizer.json, vocab.json and merges.txt, and tokenizer_config.json with \"cpo_tokenizer\": \"byte\")"
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformedConfig(file, reason): return "\(file): malformed tokenizer config: \(reason)"
        case let .malformedVocabulary(file, reason): return "\(file): malformed vocabulary: \(reason)"
        case let .malformedMerges(file, line, reason): return "\(file):\(line): malformed merge: \(reason)"
        case let .malformedTokenizerFile(file, field, reason): return "\(file): \(field): \(reason)"
        case let .unsupportedComponent(file, field, type): return "\(file): \(field): unsupported type '\(type)'"
        }
    }
}
