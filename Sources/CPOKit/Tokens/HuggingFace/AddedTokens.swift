/// One entry of `tokenizer.json`'s `added_tokens`.
struct AddedToken: Sendable {
    let id: Int32
    let content: String
    let special: Bool
    /// Whitespace before (`lstrip`) or after (`rstrip`) a match belongs to the token.
    let lstrip: Bool
    let rstrip: Bool
    /// Matches only where no word character touches it.
    let singleWord: Bool
    /// Matched in normalized text (its content normalized too) rather than in the input as given.
    let normalized: Bool
}

/// A stretch of input between added tokens, or an added token found in it.
enum TextSegment: Equatable {
    case token(Int32)
    case text(PreToken)
}

/// Finds added tokens in text before anything else sees it, as Hugging Face does: the leftmost
/// match first, the longest at that position, matches never overlapping.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        let scalars: [Unicode.Scalar]
        let token: AddedToken
    }

    /// Patterns by first scalar, longest first.
    private let patternsByFirstScalar: [UInt32: [Pattern]]
    /// The UTF-8 lead bytes patterns begin with: most text has none of them, and is then passed on
    /// without a scan by scalar.
    private let isFirstByte: [Bool]

    init(_ tokens: [AddedToken], normalizer: (any Normalizer)?) {
        var patterns: [UInt32: [Pattern]] = [:]
        for token in tokens {
            let content = token.normalized ? normalizer?.normalize(token.content) ?? token.content : token.content
            let scalars = Array(content.unicodeScalars)
            guard let first = scalars.first else { continue }
            patterns[first.value, default: []].append(Pattern(scalars: scalars, token: token))
        }
        patternsByFirstScalar = patterns.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
        var isFirstByte = [Bool](repeating: false, count: 256)
        for scalar in patterns.keys { isFirstByte[Int(String(Unicode.Scalar(scalar)!).utf8.first!)] = true }
        self.isFirstByte = isFirstByte
    }

    func split(_ piece: PreToken) -> [TextSegment] {
        guard piece.text.utf8.contains(where: { isFirstByte[Int($0)] }) else { return piece.text.isEmpty ? [] : [.text(piece)] }
        let scalars = Array(piece.text.unicodeScalars)
        var segments: [TextSegment] = []
        var textStart = 0
        func appendText(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            segments.append(.text(PreToken(text: String(view), startsText: piece.startsText && range.lowerBound == 0)))
        }
        var position = 0
        while position < scalars.count {
            guard let candidates = patternsByFirstScalar[scalars[position].value],
                  let pattern = candidates.first(where: { scalars[position...].starts(with: $0.scalars) }) else {
                position += 1
                continue
            }
            var start = position
            var end = position + pattern.scalars.count
            position = end
            let token = pattern.token
            if token.singleWord && ((start > 0 && Self.isWordCharacter(scalars[start - 1]))
                                    || (end < scalars.count && Self.isWordCharacter(scalars[end]))) {
                continue
            }
            if token.lstrip {
                while start > textStart && scalars[start - 1].properties.isWhitespace { start -= 1 }
            }
            if token.rstrip {
                while end < scalars.count && scalars[end].properties.isWhitespace { end += 1 }
                position = end
            }
            appendText(textStart..<start)
            segments.append(.token(token.id))
            textStart = end
        }
        appendText(textStart..<scalars.count)
        return segments
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
