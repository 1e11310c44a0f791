/// `Split`: cuts at the pattern's matches (Llama 3's regex, with `Isolated`).
struct SplitPreTokenizer: PreTokenizer {
    let pattern: any SplitPattern
    let behavior: SplitBehavior
    /// The gaps between matches are what the behavior acts on instead of the matches.
    let invert: Bool

    func split(_ piece: PreToken) -> [PreToken] {
        var parts = pattern.parts(of: piece.text)
        if invert { parts = parts.map { ($0.range, !$0.isMatch) } }
        return piece.pieces(behavior.pieces(parts))
    }
}
