/// `Replace`: every match of the pattern becomes `content` (sentencepiece's spaces become `▁`).
struct ReplaceNormalizer: Normalizer {
    let pattern: any SplitPattern
    let content: String

    func normalize(_ text: String) -> String {
        pattern.replacingMatches(in: text, with: content)
    }
}
