import Foundation

/// What a model folder without tokenizer files has instead of a tokenizer: its vocabulary size and
/// end-of-text id from config.json, so token-id inputs (`prompt_ids`, `response_ids`) work. Text
/// cannot be encoded; every text input checks `textUnavailable` first and fails with its reason.
public struct TokenIDsOnly: Tokenizer {
    public let vocabularySize: Int
    public let endOfText: Int32
    /// Why there is no text: the folder and the files looked for.
    public let reason: String

    public init(vocabularySize: Int, endOfText: Int32, reason: String) {
        self.vocabularySize = vocabularySize
        self.endOfText = endOfText
        self.reason = reason
    }

    /// Never called on a path that checks `textUnavailable`; yields no ids rather than wrong ones.
    public func encode(_ text: String) -> [Int32] { [] }
    /// Ids as text, `[12 7 3]`, so a generation from ids can still be shown.
    public func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String {
        "[" + ids.filter { keepingSpecialTokens || $0 != endOfText }.map(String.init).joined(separator: " ") + "]"
    }
    /// Writes nothing: the folder it came from had no tokenizer either.
    public func save(to folder: URL) throws {}
}

extension Tokenizer {
    /// Why this tokenizer cannot encode text, nil when it can.
    public var textUnavailable: String? { (self as? TokenIDsOnly)?.reason }
}
