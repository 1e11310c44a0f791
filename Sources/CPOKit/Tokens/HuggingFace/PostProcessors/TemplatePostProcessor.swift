/// `TemplateProcessing`: its `single` template, e.g. `<|begin_of_text|> $A` for Llama 3. (A pair
/// template is for two sequences, which this project never encodes together.)
struct TemplatePostProcessor: PostProcessor {
    let prefix: [Int32]
    let suffix: [Int32]

    init(_ json: TokenizerJSON, at field: String, reader: ComponentReader) throws {
        let single = try reader.array(json, "single", at: field)
        var idsOfSpecial: [String: [Int32]] = [:]
        if case let .object(specials)? = json["special_tokens"] {
            for (name, special) in specials {
                guard let ids = special["ids"]?.array?.compactMap(\.integer), ids.count == special["ids"]?.array?.count else {
                    throw reader.malformed("\(field).special_tokens.\(name).ids", "is not an array of ids")
                }
                let limit = reader.vocabularySize ?? Int(Int32.max)
                if let id = ids.first(where: { !(0..<limit).contains($0) }) {
                    throw reader.malformed("\(field).special_tokens.\(name).ids", "id \(id) is not in the vocabulary (ids 0...\(limit - 1))")
                }
                idsOfSpecial[name] = ids.map(Int32.init)
            }
        }
        var before: [Int32] = [], after: [Int32] = []
        var seenSequence = false
        for (index, piece) in single.enumerated() {
            let pieceField = "\(field).single[\(index)]"
            if piece["Sequence"] != nil {
                guard !seenSequence else { throw reader.malformed(pieceField, "a second sequence in the single template") }
                seenSequence = true
            } else if let name = piece["SpecialToken"]?["id"]?.string {
                guard let ids = idsOfSpecial[name] else { throw reader.malformed(pieceField, "special token '\(name)' is not in special_tokens") }
                if seenSequence { after += ids } else { before += ids }
            } else {
                throw reader.malformed(pieceField, "neither {\"Sequence\": …} nor {\"SpecialToken\": …}")
            }
        }
        guard seenSequence else { throw reader.malformed("\(field).single", "has no sequence") }
        prefix = before
        suffix = after
    }

    func process(_ ids: [Int32]) -> [Int32] { prefix + ids + suffix }
}
