import Foundation

/// Turns text into token ids and back. Token ids are `Int32` throughout the project.
public protocol Tokenizer: Sendable {
    /// Number of rows the embedding needs: every id this tokenizer can produce is below it.
    var vocabularySize: Int { get }
    /// The id that ends a continuation (GPT-2's `<|endoftext|>`).
    var endOfText: Int32 { get }
    /// Encodes plain text; special-token strings in `text` are treated as ordinary text.
    func encode(_ text: String) -> [Int32]
    /// Decodes ids; bytes that do not form valid UTF-8 come out as U+FFFD, and `endOfText` (like any
    /// id outside the vocabulary) contributes nothing, so a generated continuation decodes cleanly.
    func decode(_ ids: [Int32]) -> String
    /// Writes the files that let `TokenizerFolder.load` rebuild this tokenizer from `folder`.
    func save(to folder: URL) throws
}
