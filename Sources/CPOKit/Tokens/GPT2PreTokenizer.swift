/// GPT-2's pre-tokenisation: cuts text where the pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` would, so BPE never
/// merges across a word, number or punctuation boundary. Written by hand over Unicode scalars
/// (NSRegularExpression is slow and behaves differently on Linux); at each position the
/// alternatives are tried in the pattern's order, as a backtracking regex engine would.
enum GPT2PreTokenizer {
    /// Byte ranges into `text.utf8`, one per piece, covering it in order.
    static func pieces(of text: String) -> [Range<Int>] { ScalarPieces.pieces(of: text, pieceEnd: pieceEnd) }

    /// Where the piece that begins at scalar `start` ends (exclusive).
    private static func pieceEnd(from start: Int, scalars: [Unicode.Scalar], classes: [ScalarClass]) -> Int {
        let count = scalars.count
        if let end = contractionEnd(from: start, scalars: scalars) { return end }

        // ` ?\p{L}+`, ` ?\p{N}+` and ` ?[^\s\p{L}\p{N}]+`: one plain space joins the run after it.
        let head = scalars[start] == " " && start + 1 < count && classes[start + 1] != .whitespace ? start + 1 : start
        let runClass = classes[head]
        if runClass != .whitespace {
            var end = head + 1
            while end < count && classes[end] == runClass { end += 1 }
            return end
        }

        var end = start + 1
        while end < count && classes[end] == .whitespace { end += 1 }
        // `\s+(?!\S)` backs off one scalar so the last space before a word can join that word;
        // a lone whitespace scalar before a non-space falls through to `\s+`.
        if end < count && end - start > 1 { return end - 1 }
        return end
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, case-sensitive as in GPT-2.
    private static func contractionEnd(from start: Int, scalars: [Unicode.Scalar]) -> Int? {
        guard scalars[start] == "'", start + 1 < scalars.count else { return nil }
        switch scalars[start + 1] {
        case "s", "t", "m", "d": return start + 2
        case "r", "v", "l":
            guard start + 2 < scalars.count else { return nil }
            switch (scalars[start + 1], scalars[start + 2]) {
            case ("r", "e"), ("v", "e"), ("l", "l"): return start + 3
            default: return nil
            }
        default: return nil
        }
    }
}
