import Foundation

/// One token per UTF-8 byte (ids 0–255) plus `<|endoftext|>` (id 256): the vocabulary of tiny
/// models and the built-in synthetic tasks.
public struct ByteTokenizer: Tokenizer {
    /// What `save(to:)` writes, so a checkpoint folder records which tokenizer it was trained with.
    public static let configFileName = "tokenizer_config.json"
    public static let kind = "byte"

    public init() {}

    public var vocabularySize: Int { 257 }
    public var endOfText: Int32 { 256 }

    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    public func decode(_ ids: [Int32]) -> String {
        String(decoding: ids.filter { (0..<256).contains($0) }.map { UInt8($0) }, as: UTF8.self)
    }

    public func save(to folder: URL) throws {
        let config: [String: Any] = [
            "tokenizer_class": "swift-cpo-byte", "cpo_tokenizer": Self.kind,
            "eos_token": "<|endoftext|>", "eos_token_id": 256, "vocab_size": 257,
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: folder.appendingPathComponent(Self.configFileName), options: .atomic)
    }
}
