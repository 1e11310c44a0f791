/// Text cut into pieces scalar by scalar, as a split regex cuts it: `pieceEnd(start, scalars,
/// classes)` says where the piece that begins at scalar `start` ends (exclusive), trying the
/// pattern's alternatives in order as a backtracking engine would. The pieces are byte ranges into
/// `text.utf8`, covering it in order.
enum ScalarPieces {
    static func pieces(of text: String, pieceEnd: (Int, [Unicode.Scalar], [ScalarClass]) -> Int) -> [Range<Int>] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(ScalarClass.init)
        var byteOffsets: [Int] = []
        byteOffsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            byteOffsets.append(offset)
            offset += UTF8.width(scalar)
        }
        byteOffsets.append(offset)

        var pieces: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            let end = pieceEnd(start, scalars, classes)
            pieces.append(byteOffsets[start]..<byteOffsets[end])
            start = end
        }
        return pieces
    }
}

/// The classes the split pattern distinguishes: `\p{L}`, `\p{N}`, `\s` (Unicode White_Space) and
/// everything else.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    init(_ scalar: Unicode.Scalar) {
        if scalar.isASCII {
            self = Self.asciiClasses[Int(scalar.value)]
        } else {
            self = Self.classify(scalar)
        }
    }

    /// Most text is ASCII; a table skips the Unicode property lookup for it.
    private static let asciiClasses: [ScalarClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    private static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
