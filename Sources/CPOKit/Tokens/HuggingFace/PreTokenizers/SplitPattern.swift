import Foundation

/// What `Split` and `Replace` look for: a literal string or a regex. Matches are UTF-8 byte ranges,
/// ascending, non-overlapping and non-empty (an empty match cuts nothing, as in Hugging Face).
protocol SplitPattern: Sendable {
    func matches(in text: String) -> [Range<Int>]
}

extension SplitPattern {
    /// `text` cut into matches and the gaps between them, in order, covering it.
    func parts(of text: String) -> [(range: Range<Int>, isMatch: Bool)] {
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        var end = 0
        for match in matches(in: text) {
            if end < match.lowerBound { parts.append((end..<match.lowerBound, false)) }
            parts.append((match, true))
            end = match.upperBound
        }
        let count = text.utf8.count
        if end < count { parts.append((end..<count, false)) }
        return parts
    }

    func replacingMatches(in text: String, with content: String) -> String {
        let utf8 = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count)
        for part in parts(of: text) {
            if part.isMatch { result += content.utf8 } else { result += utf8[part.range] }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// `{"String": …}`: the literal's scalars, compared byte for byte (UTF-8 never matches inside a
/// scalar, and canonically equivalent spellings must not match each other).
struct LiteralPattern: SplitPattern {
    let literal: [UInt8]

    init(_ literal: String) { self.literal = Array(literal.utf8) }

    func matches(in text: String) -> [Range<Int>] {
        let utf8 = Array(text.utf8)
        var matches: [Range<Int>] = []
        var start = 0
        while start + literal.count <= utf8.count {
            if utf8[start] == literal[0] && utf8[start..<start + literal.count].elementsEqual(literal) {
                matches.append(start..<start + literal.count)
                start += literal.count
            } else {
                start += 1
            }
        }
        return matches
    }
}

/// `{"Regex": …}`: GPT-2's split pattern (also ByteLevel's own) goes to `GPT2PreTokenizer` and
/// Llama 3's to `Llama3SplitPattern`, which are faster than a regex engine and take `\s` as Unicode's
/// White_Space, as Oniguruma does; any other pattern goes to NSRegularExpression.
enum RegexPattern {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    static func make(_ pattern: String) throws -> any SplitPattern {
        switch Array(pattern.utf8) {
        case Array(gpt2.utf8): return GPT2SplitPattern()
        case Array(Llama3SplitPattern.pattern.utf8): return Llama3SplitPattern()
        default: return try RegularExpressionPattern(pattern)
        }
    }
}

/// GPT-2's split regex, whose matches are `GPT2PreTokenizer`'s pieces.
struct GPT2SplitPattern: SplitPattern {
    func matches(in text: String) -> [Range<Int>] { GPT2PreTokenizer.pieces(of: text) }
}

struct RegularExpressionPattern: SplitPattern, @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let regex: NSRegularExpression

    init(_ pattern: String) throws {
        regex = try NSRegularExpression(pattern: pattern)
    }

    func matches(in text: String) -> [Range<Int>] {
        // NSRegularExpression counts UTF-16 code units; map them to UTF-8 offsets at scalar boundaries.
        var utf8Offset = [Int](repeating: 0, count: text.utf16.count + 1)
        var utf16 = 0, utf8 = 0
        for scalar in text.unicodeScalars {
            utf8Offset[utf16] = utf8
            utf16 += UTF16.width(scalar)
            utf8 += UTF8.width(scalar)
        }
        utf8Offset[utf16] = utf8
        return regex.matches(in: text, range: NSRange(location: 0, length: utf16)).compactMap { match in
            let range = match.range
            guard range.length > 0 else { return nil }
            return utf8Offset[range.location]..<utf8Offset[range.location + range.length]
        }
    }
}
