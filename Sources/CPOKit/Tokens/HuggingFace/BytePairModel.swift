/// `tokenizer.json`'s `"model": {"type": "BPE"}`: each piece's scalars start as vocabulary tokens
/// and are merged by rank. A scalar missing from the vocabulary becomes its `<0xXX>` byte tokens
/// (`byte_fallback`), else `unk_token` (runs of them one token with `fuse_unk`), else nothing.
struct BytePairModel: Sendable {
    let idForToken: [[UInt8]: Int32]
    private let idForScalar: [UInt32: Int32]
    private let merges: BytePairMerges
    private let unknown: Int32?
    private let fuseUnknown: Bool
    /// The `<0xXX>` token of each byte, when `byte_fallback` is on.
    private let byteTokens: [Int32?]?
    /// Llama 3: a piece that is itself a token is that token, whatever the merges would make.
    private let ignoreMerges: Bool
    private let cache = WordCache(capacity: 1 << 18)
    /// Longer pieces (a whole sentencepiece line) rarely repeat; caching them would only fill memory.
    private static let longestCachedPiece = 256

    init(idForToken: [[UInt8]: Int32], rules: [MergeRule], unknown: Int32?, fuseUnknown: Bool, byteFallback: Bool, ignoreMerges: Bool) {
        self.idForToken = idForToken
        var idForScalar: [UInt32: Int32] = [:]
        for (token, id) in idForToken {
            let scalars = String(decoding: token, as: UTF8.self).unicodeScalars
            if scalars.count == 1 { idForScalar[scalars.first!.value] = id }
        }
        self.idForScalar = idForScalar
        merges = BytePairMerges(rules)
        self.unknown = unknown
        self.fuseUnknown = fuseUnknown
        byteTokens = byteFallback ? (0...255).map { idForToken[Array(ByteFallbackDecoder.token(UInt8($0)).utf8)] } : nil
        self.ignoreMerges = ignoreMerges
    }

    func tokenize(_ piece: String) -> [Int32] {
        let utf8 = Array(piece.utf8)
        if utf8.isEmpty { return [] }
        if utf8.count > Self.longestCachedPiece { return merged(utf8[...]) }
        return cache.ids(for: utf8[...], making: merged)
    }

    private func merged(_ piece: ArraySlice<UInt8>) -> [Int32] {
        if ignoreMerges, let id = idForToken[Array(piece)] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(piece.count)
        var pendingUnknown = false
        for scalar in String(decoding: piece, as: UTF8.self).unicodeScalars {
            if let id = idForScalar[scalar.value] {
                if pendingUnknown, let unknown { symbols.append(unknown) }
                pendingUnknown = false
                symbols.append(id)
            } else if let byteTokens, case let ids = String(scalar).utf8.map({ byteTokens[Int($0)] }), !ids.contains(nil) {
                // Hugging Face leaves a pending unknown token pending across byte tokens.
                symbols += ids.map { $0! }
            } else if let unknown {
                if pendingUnknown && !fuseUnknown { symbols.append(unknown) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknown { symbols.append(unknown) }
        merges.apply(to: &symbols)
        return symbols
    }
}
