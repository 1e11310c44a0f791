/// Why a tokenizer could not be loaded or saved; every case names the file (and, for merges, the
/// 1-based line) at fault.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The folder holds neither a byte tokenizer's config nor GPT-2's `vocab.json` + `merges.txt`.
    case notATokenizerFolder(folder: String)
    case unreadable(file: String, reason: String)
    case malformedConfig(file: String, reason: String)
    case malformedVocabulary(file: String, reason: String)
    case malformedMerges(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .notATokenizerFolder(folder):
            return "\(folder): no tokenizer here (expected tokenizer_config.json with \"cpo_tokenizer\": \"byte\", or vocab.json and merges.txt)"
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformedConfig(file, reason): return "\(file): malformed tokenizer config: \(reason)"
        case let .malformedVocabulary(file, reason): return "\(file): malformed vocabulary: \(reason)"
        case let .malformedMerges(file, line, reason): return "\(file):\(line): malformed merge: \(reason)"
        }
    }
}
