/// `ByteLevel`: optionally a space before the piece and GPT-2's split regex, then every UTF-8 byte
/// spelled as its `ByteLevelAlphabet` scalar, which is how the vocabulary spells it.
struct ByteLevelPreTokenizer: PreTokenizer {
    let addPrefixSpace: Bool
    let useRegex: Bool

    func split(_ piece: PreToken) -> [PreToken] {
        var piece = piece
        if addPrefixSpace && !piece.text.hasPrefix(" ") { piece.text = " " + piece.text }
        let pieces = useRegex ? piece.pieces(GPT2PreTokenizer.pieces(of: piece.text)) : [piece]
        return pieces.map { PreToken(text: ByteLevelAlphabet.string(for: $0.text.utf8), startsText: $0.startsText) }
    }
}
