/// `Sequence`: each normalizer in turn.
struct SequenceNormalizer: Normalizer {
    let parts: [any Normalizer]

    func normalize(_ text: String) -> String {
        parts.reduce(text) { $1.normalize($0) }
    }
}
