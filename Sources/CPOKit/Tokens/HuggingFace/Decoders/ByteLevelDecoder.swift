/// `ByteLevel`: the tokens' `ByteLevelAlphabet` scalars back to bytes, read as UTF-8 (invalid
/// sequences become U+FFFD). A token with a scalar outside the alphabet (an added token such as
/// "<|eot_id|>" is inside it, but one with other scalars need not be) stands for its own UTF-8.
struct ByteLevelDecoder: TokenStringDecoder {
    func decode(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for token in tokens {
            bytes += ByteLevelAlphabet.bytes(for: token) ?? Array(token.utf8)
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}
