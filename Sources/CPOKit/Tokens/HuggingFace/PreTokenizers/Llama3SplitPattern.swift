/// Llama 3's split regex, `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
/// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, matched by hand over Unicode scalars: a regex
/// engine spent about half of a Llama 3 tokenizer's time on it. At each position the alternatives are
/// tried in the pattern's order, each as a backtracking engine would match it. Every scalar belongs
/// to some alternative, so the matches cover the text.
struct Llama3SplitPattern: SplitPattern {
    static let pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    func matches(in text: String) -> [Range<Int>] { ScalarPieces.pieces(of: text, pieceEnd: Self.pieceEnd) }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool { scalar == "\r" || scalar == "\n" }

    private static func pieceEnd(from start: Int, scalars: [Unicode.Scalar], classes: [ScalarClass]) -> Int {
        let count = scalars.count
        func run(from index: Int, while belongs: (Int) -> Bool) -> Int {
            var end = index
            while end < count && belongs(end) { end += 1 }
            return end
        }
        if let end = contractionEnd(from: start, scalars: scalars) { return end }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`: a letter run, or one scalar that is neither a line break, a
        // letter nor a number and the letter run right after it.
        if classes[start] == .letter { return run(from: start) { classes[$0] == .letter } }
        if classes[start] != .number && !isLineBreak(scalars[start]) && start + 1 < count && classes[start + 1] == .letter {
            return run(from: start + 1) { classes[$0] == .letter }
        }
        // `\p{N}{1,3}`
        if classes[start] == .number { return min(run(from: start) { classes[$0] == .number }, start + 3) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let head = scalars[start] == " " && start + 1 < count && classes[start + 1] == .other ? start + 1 : start
        if classes[head] == .other {
            let symbols = run(from: head) { classes[$0] == .other }
            return run(from: symbols) { isLineBreak(scalars[$0]) }
        }
        // Only whitespace is left. `\s*[\r\n]+`: the run up to its last line break.
        let spaces = run(from: start) { classes[$0] == .whitespace }
        if let lastBreak = (start..<spaces).last(where: { isLineBreak(scalars[$0]) }) { return lastBreak + 1 }
        // `\s+(?!\S)` backs off one scalar before a non-space; a lone one falls through to `\s+`.
        if spaces < count && spaces - start > 1 { return spaces - 1 }
        return spaces
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: ASCII letters in either case.
    private static func contractionEnd(from start: Int, scalars: [Unicode.Scalar]) -> Int? {
        guard scalars[start] == "'", start + 1 < scalars.count else { return nil }
        func lower(_ i: Int) -> Unicode.Scalar? {
            guard i < scalars.count, scalars[i].isASCII else { return nil }
            return Unicode.Scalar(UInt8(ascii: scalars[i]) | 0x20)
        }
        switch lower(start + 1) {
        case "s", "t", "m", "d": return start + 2
        case "r": return lower(start + 2) == "e" ? start + 3 : nil
        case "v": return lower(start + 2) == "e" ? start + 3 : nil
        case "l": return lower(start + 2) == "l" ? start + 3 : nil
        default: return nil
        }
    }
}
