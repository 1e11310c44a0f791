import Foundation

/// A Hugging Face fast tokenizer (`tokenizer.json`, with `tokenizer_config.json`): added tokens are
/// found first, the text between them is normalized, pre-tokenized and BPE-encoded, and the
/// post-processor adds the special tokens around a sequence. Unlike `GPT2Tokenizer`, special
/// tokens spelled in the text become their ids, as `tokenizers` does.
public struct HuggingFaceTokenizer: Tokenizer {
    let normalizer: (any Normalizer)?
    let preTokenizer: (any PreTokenizer)?
    let model: BytePairModel
    let decoder: (any TokenStringDecoder)?
    let postProcessor: (any PostProcessor)?
    /// Added tokens matched in the input as given, and those matched after normalization.
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    /// Token strings by id (added tokens included); nil where no token has the id.
    let tokenForID: [String?]
    let specialIDs: Set<Int32>
    public let endOfText: Int32
    public let sequencePrefix: [Int32]
    /// The files it was read from, by name, written back unchanged by `save`.
    let files: [String: Data]

    public var vocabularySize: Int { tokenForID.count }

    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for segment in rawAddedTokens.split(PreToken(text: text, startsText: true)) {
            guard case var .text(piece) = segment else {
                if case let .token(id) = segment { ids.append(id) }
                continue
            }
            if let normalizer { piece.text = normalizer.normalize(piece.text) }
            for inner in normalizedAddedTokens.split(piece) {
                switch inner {
                case let .token(id): ids.append(id)
                case let .text(piece):
                    for pre in preTokenizer?.split(piece) ?? [piece] where !pre.text.isEmpty {
                        ids += model.tokenize(pre.text)
                    }
                }
            }
        }
        return ids
    }

    public func withSpecialTokens(_ ids: [Int32]) -> [Int32] {
        postProcessor?.process(ids) ?? sequencePrefix + ids
    }

    /// Ids without a token are skipped; without a decoder the tokens are joined by spaces, as in
    /// Hugging Face.
    public func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String {
        let tokens = ids.compactMap { id -> String? in
            guard tokenForID.indices.contains(Int(id)), keepingSpecialTokens || !specialIDs.contains(id) else { return nil }
            return tokenForID[Int(id)]
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens).joined()
    }
}
