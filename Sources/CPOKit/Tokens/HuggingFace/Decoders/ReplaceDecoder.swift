/// `Replace`: in each token, every match of the pattern becomes `content` (`▁` back to a space).
struct ReplaceDecoder: TokenStringDecoder {
    let pattern: any SplitPattern
    let content: String

    func decode(_ tokens: [String]) -> [String] {
        tokens.map { pattern.replacingMatches(in: $0, with: content) }
    }
}
