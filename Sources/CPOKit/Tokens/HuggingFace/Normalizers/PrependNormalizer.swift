/// `Prepend`: puts `prefix` before non-empty text (sentencepiece's leading `▁`).
struct PrependNormalizer: Normalizer {
    let prefix: String

    func normalize(_ text: String) -> String {
        text.isEmpty ? text : prefix + text
    }
}
