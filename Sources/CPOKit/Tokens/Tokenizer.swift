import Foundation

/// Turns text into token ids and back. Token ids are `Int32` throughout the project.
public protocol Tokenizer: Sendable {
    /// Number of rows the embedding needs: every id this tokenizer can produce is below it.
    var vocabularySize: Int { get }
    /// The id that ends a continuation (GPT-2's `<|endoftext|>`).
    var endOfText: Int32 { get }
    /// The ids that begin every sequence the model sees (Llama's BOS), when the tokenizer's
    /// post-processor or `add_bos_token` puts them there; empty for GPT-2 and the byte tokenizer.
    var sequencePrefix: [Int32] { get }
    /// Encodes text without adding special tokens. GPT-2's `vocab.json` tokenizer reads special-token
    /// strings as ordinary text; a `tokenizer.json` one matches its added tokens, as `tokenizers` does.
    func encode(_ text: String) -> [Int32]
    /// `ids` as the post-processor returns them (Hugging Face's `add_special_tokens=True`).
    func withSpecialTokens(_ ids: [Int32]) -> [Int32]
    /// Decodes ids; bytes that do not form valid UTF-8 come out as U+FFFD, ids outside the
    /// vocabulary contribute nothing, and so do `endOfText` and the other special tokens unless
    /// `keepingSpecialTokens`, so a generated continuation decodes cleanly.
    func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String
    /// Writes the files that let `TokenizerFolder.load` rebuild this tokenizer from `folder`.
    func save(to folder: URL) throws
}

extension Tokenizer {
    public var sequencePrefix: [Int32] { [] }

    public func withSpecialTokens(_ ids: [Int32]) -> [Int32] { sequencePrefix + ids }

    public func decode(_ ids: [Int32]) -> String { decode(ids, keepingSpecialTokens: false) }

    /// A prompt as the model sees it: `sequencePrefix` (BOS), then the text.
    public func encodePrompt(_ text: String) -> [Int32] { sequencePrefix + encode(text) }
}
