import Foundation

/// One token per UTF-8 byte (ids 0–255) plus `<|endoftext|>` (id 256): the vocabulary of tiny
/// models and the built-in synthetic tasks.
public struct ByteTokenizer: Tokenizer {
    /// The `cpo_tokenizer` value in `tokenizer_config.json`, and the CLI's `--tokenizer` word.
    public static let kind = "byte"

    public init() {}

    public var vocabularySize: Int { 257 }
    public var endOfText: Int32 { 256 }

    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    public func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if (0..<256).contains(id) {
                bytes.append(UInt8(id))
            } else if id == endOfText && keepingSpecialTokens {
                bytes += GPT2Tokenizer.endOfTextToken.utf8
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func save(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            "tokenizer_class": "swift-cpo-byte", TokenizerFolder.kindKey: Self.kind,
            "eos_token": "<|endoftext|>", "eos_token_id": 256, "vocab_size": 257,
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: folder.appendingPathComponent(TokenizerFolder.configFileName))
    }
}
