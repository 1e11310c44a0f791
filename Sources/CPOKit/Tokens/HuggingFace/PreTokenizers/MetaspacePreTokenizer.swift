/// `Metaspace`: spaces become `replacement` (`▁`), one is put in front as `prepend` says, and the
/// piece is cut before each `replacement` when `split`.
struct MetaspacePreTokenizer: PreTokenizer {
    enum PrependScheme: String, Sendable { case always, first, never }
    let replacement: Unicode.Scalar
    let prepend: PrependScheme
    let split: Bool

    func split(_ piece: PreToken) -> [PreToken] {
        var piece = piece
        let marker = String(replacement)
        piece.text = LiteralPattern(" ").replacingMatches(in: piece.text, with: marker)
        let prepends = prepend == .always || (prepend == .first && piece.startsText)
        if prepends && piece.text.unicodeScalars.first != replacement { piece.text = marker + piece.text }
        guard split else { return [piece] }
        return piece.pieces(SplitBehavior.mergedWithNext.pieces(LiteralPattern(marker).parts(of: piece.text)))
    }
}

extension ComponentReader {
    /// `prepend_scheme`, or in older files `add_prefix_space` (true meaning `always`).
    func prependScheme(_ json: TokenizerJSON, at field: String) throws -> MetaspacePreTokenizer.PrependScheme {
        let scheme = try json["prepend_scheme"]?.string ?? (bool(json, "add_prefix_space", at: field, default: true) ? "always" : "never")
        guard let prepend = MetaspacePreTokenizer.PrependScheme(rawValue: scheme) else { throw unsupported("\(field).prepend_scheme", scheme) }
        return prepend
    }
}
