/// A piece of text on its way to the model. `startsText`: it begins the (non-added-token) text at
/// offset 0, which `Metaspace`'s `prepend_scheme: first` asks about.
struct PreToken: Sendable, Equatable {
    var text: String
    var startsText: Bool

    /// The pieces `ranges` (UTF-8 byte offsets) cut out of this one.
    func pieces(_ ranges: [Range<Int>]) -> [PreToken] {
        let utf8 = Array(text.utf8)
        return ranges.map { PreToken(text: String(decoding: utf8[$0], as: UTF8.self), startsText: startsText && $0.lowerBound == 0) }
    }
}

/// A `tokenizer.json` pre-tokenizer: cuts a piece into smaller ones (and may rewrite them), so the
/// model never merges across a cut.
protocol PreTokenizer: Sendable {
    func split(_ piece: PreToken) -> [PreToken]
}

/// What becomes of a match when text is split: Hugging Face's `SplitDelimiterBehavior`.
enum SplitBehavior: String, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

    /// The ranges of the pieces, from matches and gaps covering the text in order.
    func pieces(_ parts: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        switch self {
        case .removed: return parts.filter { !$0.isMatch }.map(\.range)
        case .isolated: return parts.map(\.range)
        case .mergedWithPrevious: return Self.merging(parts) { part, previousWasMatch in part.isMatch && !previousWasMatch }
        case .contiguous: return Self.merging(parts) { part, previousWasMatch in part.isMatch == previousWasMatch }
        case .mergedWithNext:
            let reversed = parts.reversed().map { (range: $0.range, isMatch: $0.isMatch) }
            return Self.merging(reversed) { part, previousWasMatch in part.isMatch && !previousWasMatch }.reversed()
        }
    }

    /// Folds each part for which `joins` holds into the piece before it (in iteration order),
    /// starting the first piece when there is none.
    private static func merging(_ parts: [(range: Range<Int>, isMatch: Bool)],
                                joins: ((range: Range<Int>, isMatch: Bool), Bool) -> Bool) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var previousWasMatch = false
        for part in parts {
            if joins(part, previousWasMatch), let last = pieces.last {
                pieces[pieces.count - 1] = min(last.lowerBound, part.range.lowerBound)..<max(last.upperBound, part.range.upperBound)
            } else {
                pieces.append(part.range)
            }
            previousWasMatch = part.isMatch
        }
        return pieces
    }
}

extension ComponentReader {
    func preTokenizer(_ json: TokenizerJSON, at field: String) throws -> (any PreTokenizer)? {
        guard let type = try type(of: json, at: field) else { return nil }
        switch type {
        case "Sequence": return SequencePreTokenizer(parts: try sequence(json, "pretokenizers", at: field, reading: preTokenizer))
        case "ByteLevel":
            return ByteLevelPreTokenizer(addPrefixSpace: try bool(json, "add_prefix_space", at: field, default: true),
                                         useRegex: try bool(json, "use_regex", at: field, default: true))
        case "Split":
            let behaviorName = try string(json, "behavior", at: field)
            guard let behavior = SplitBehavior(rawValue: behaviorName) else { throw unsupported("\(field).behavior", behaviorName) }
            return SplitPreTokenizer(pattern: try pattern(json, at: field), behavior: behavior,
                                     invert: try bool(json, "invert", at: field, default: false))
        case "Metaspace":
            return MetaspacePreTokenizer(replacement: try character(json, "replacement", at: field), prepend: try prependScheme(json, at: field),
                                         split: try bool(json, "split", at: field, default: true))
        case "Digits":
            return DigitsPreTokenizer(individualDigits: try bool(json, "individual_digits", at: field, default: false))
        default: throw unsupported(field, type)
        }
    }
}
