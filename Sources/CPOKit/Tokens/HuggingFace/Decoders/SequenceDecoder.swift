/// `Sequence`: each decoder in turn.
struct SequenceDecoder: TokenStringDecoder {
    let parts: [any TokenStringDecoder]

    func decode(_ tokens: [String]) -> [String] {
        parts.reduce(tokens) { $1.decode($0) }
    }
}
