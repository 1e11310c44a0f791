import Foundation

/// Plain text for language modelling: one token stream cut into windows of T + 1 tokens.
///
/// Documents: the literal `<|endoftext|>` (the separator of TinyStories and GPT-2's training text)
/// ends a document. Each document, without its leading and trailing newlines, is tokenised on its own
/// and followed by the tokenizer's end-of-text id; documents that are only whitespace are dropped.
/// Blank lines do not separate documents (in tiny Shakespeare they separate speeches, in WikiText
/// paragraphs), so a file without the separator is one document.
///
/// Windows: window i is `tokens[i·T ..< i·T + T + 1]`. Neighbouring windows share one token, so
/// every token but the first is a target exactly once; a tail too short for a window is dropped.
public struct PackedText: Sendable {
    public static let documentSeparator = "<|endoftext|>"

    public let file: String
    public let tokens: [Int32]
    /// T: the positions of a window's batch row.
    public let windowLength: Int
    private let endOfText: Int32

    public var windowCount: Int { (tokens.count - 1) / windowLength }

    /// `file` is only used to name the source in errors.
    public init(text: String, file: String, tokenizer: some Tokenizer, windowLength: Int) throws {
        guard windowLength >= 1 else {
            throw DataError.invalidSetting(name: "sequence length", reason: "must be at least 1, got \(windowLength)")
        }
        let endOfText = tokenizer.endOfText
        let documents = text.components(separatedBy: Self.documentSeparator)
            .map { $0.trimmingCharacters(in: .newlines) }
            .filter { !$0.allSatisfy(\.isWhitespace) }
        // Each document starts as a prompt would (BOS for Llama-family tokenizers).
        let tokens = documents.flatMap { tokenizer.encodePrompt($0) + [endOfText] }
        guard tokens.count >= windowLength + 1 else {
            throw DataError.textTooShort(file: file, tokens: tokens.count, needed: windowLength + 1)
        }
        self.file = file
        self.tokens = tokens
        self.windowLength = windowLength
        self.endOfText = endOfText
    }

    /// The `windowLength + 1` tokens of window `index`.
    public func window(_ index: Int) -> ArraySlice<Int32> {
        precondition((0..<windowCount).contains(index), "window \(index) is outside 0..<\(windowCount)")
        return tokens[index * windowLength ..< index * windowLength + windowLength + 1]
    }

    /// One row per window, every target learned.
    public func batch(windows: [Int]) throws -> TrainingBatch {
        guard !windows.isEmpty else { throw DataError.invalidSetting(name: "batch", reason: "has no windows") }
        // The first token is the "prompt" of its row: it is only ever an input.
        let sequences = windows.map { index in
            let window = self.window(index)
            return (prompt: window.prefix(1), continuation: window.dropFirst())
        }
        return TrainingBatch(sequences: sequences, length: windowLength, padding: endOfText, truncatedRows: 0)
    }
}
