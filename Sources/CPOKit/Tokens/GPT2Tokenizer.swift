/// GPT-2's byte-level BPE: text is split into pre-tokens, each pre-token's UTF-8 bytes start as
/// single-byte tokens and are merged by rank. `<|endoftext|>` in text is ordinary text; only its
/// id, `endOfText`, marks the end of a continuation.
public struct GPT2Tokenizer: Tokenizer {
    public static let endOfTextToken = "<|endoftext|>"

    /// Vocabulary entries, indexed by id, spelled in `ByteLevelAlphabet` as in `vocab.json`.
    let tokens: [String]
    /// `merges.txt` in rank order.
    let mergeRules: [MergeRule]
    public let endOfText: Int32

    private let bytesForToken: [[UInt8]]
    private let tokenForByte: [Int32]
    private let merges: BytePairMerges
    private let cache = WordCache(capacity: 1 << 18)

    /// Every token must be spelled in `ByteLevelAlphabet`, every single byte must be a token and
    /// `<|endoftext|>` must be one; `init(folder:)` checks this before calling.
    init(tokens: [String], mergeRules: [MergeRule]) {
        self.tokens = tokens
        self.mergeRules = mergeRules
        bytesForToken = tokens.map { ByteLevelAlphabet.bytes(for: $0)! }
        let idForToken = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($0.element, Int32($0.offset)) })
        tokenForByte = ByteLevelAlphabet.scalarForByte.map { idForToken[String($0)]! }
        endOfText = idForToken[Self.endOfTextToken]!
        merges = BytePairMerges(mergeRules)
    }

    public var vocabularySize: Int { tokens.count }

    public func encode(_ text: String) -> [Int32] {
        let bytes = Array(text.utf8)
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count / 3)
        for piece in GPT2PreTokenizer.pieces(of: text) {
            ids += cache.ids(for: bytes[piece], making: mergedTokens)
        }
        return ids
    }

    public func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids where (keepingSpecialTokens || id != endOfText) && bytesForToken.indices.contains(Int(id)) {
            bytes += bytesForToken[Int(id)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func mergedTokens(_ word: ArraySlice<UInt8>) -> [Int32] {
        var symbols = word.map { tokenForByte[Int($0)] }
        merges.apply(to: &symbols)
        return symbols
    }
}
