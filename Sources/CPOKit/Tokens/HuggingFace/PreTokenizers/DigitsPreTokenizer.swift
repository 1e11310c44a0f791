/// `Digits`: numeric scalars apart from the rest; each digit alone when `individualDigits`,
/// otherwise one piece per run of digits.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    func split(_ piece: PreToken) -> [PreToken] {
        // As Hugging Face's character patterns do: every digit is a match of its own, the text
        // between digits one gap.
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        var offset = 0
        var gapStart = 0
        for scalar in piece.text.unicodeScalars {
            let width = UTF8.width(scalar)
            if Self.isNumeric(scalar) {
                if gapStart < offset { parts.append((gapStart..<offset, false)) }
                parts.append((offset..<offset + width, true))
                gapStart = offset + width
            }
            offset += width
        }
        if gapStart < offset { parts.append((gapStart..<offset, false)) }
        return piece.pieces((individualDigits ? SplitBehavior.isolated : .contiguous).pieces(parts))
    }

    /// Rust's `char::is_numeric`: general categories Nd, Nl and No.
    private static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
