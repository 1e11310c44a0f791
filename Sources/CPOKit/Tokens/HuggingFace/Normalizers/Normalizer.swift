/// A `tokenizer.json` normalizer: rewrites text before pre-tokenization.
protocol Normalizer: Sendable {
    func normalize(_ text: String) -> String
}

extension ComponentReader {
    func normalizer(_ json: TokenizerJSON, at field: String) throws -> (any Normalizer)? {
        guard let type = try type(of: json, at: field) else { return nil }
        switch type {
        case "Sequence": return SequenceNormalizer(parts: try sequence(json, "normalizers", at: field, reading: normalizer))
        case "Prepend": return PrependNormalizer(prefix: try string(json, "prepend", at: field))
        case "Replace": return ReplaceNormalizer(pattern: try pattern(json, at: field), content: try string(json, "content", at: field))
        case "NFC": return UnicodeNormalizer(form: .nfc)
        case "NFKC": return UnicodeNormalizer(form: .nfkc)
        case "NFD": return UnicodeNormalizer(form: .nfd)
        case "NFKD": return UnicodeNormalizer(form: .nfkd)
        default: throw unsupported(field, type)
        }
    }
}
