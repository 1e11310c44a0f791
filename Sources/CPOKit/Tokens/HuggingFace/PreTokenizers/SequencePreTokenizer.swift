/// `Sequence`: each pre-tokenizer splits every piece the one before it made.
struct SequencePreTokenizer: PreTokenizer {
    let parts: [any PreTokenizer]

    func split(_ piece: PreToken) -> [PreToken] {
        parts.reduce([piece]) { pieces, part in pieces.flatMap(part.split) }
    }
}
