/// Reads the components of one `tokenizer.json`; every error names the file and the field at fault.
struct ComponentReader {
    let file: String
    /// The ids of the vocabulary and the added tokens, once they are read: the ids a component
    /// adds must be among them.
    var vocabularySize: Int?

    func malformed(_ field: String, _ reason: String) -> TokenizerError {
        .malformedTokenizerFile(file: file, field: field, reason: reason)
    }

    func unsupported(_ field: String, _ type: String) -> TokenizerError {
        .unsupportedComponent(file: file, field: field, type: type)
    }

    /// The component's `type`; `null` (no component) gives nil.
    func type(of json: TokenizerJSON, at field: String) throws -> String? {
        if json.isNull { return nil }
        guard let type = json["type"]?.string else { throw malformed(field, "has no \"type\"") }
        return type
    }

    /// The components listed under `key` of a `Sequence`, each read by `read`.
    func sequence<Component>(_ json: TokenizerJSON, _ key: String, at field: String,
                             reading read: (TokenizerJSON, String) throws -> Component?) throws -> [Component] {
        try array(json, key, at: field).enumerated().compactMap { index, part in try read(part, "\(field).\(key)[\(index)]") }
    }

    func string(_ json: TokenizerJSON, _ key: String, at field: String) throws -> String {
        guard let value = json[key]?.string else { throw malformed("\(field).\(key)", "is not a string") }
        return value
    }

    func bool(_ json: TokenizerJSON, _ key: String, at field: String, default fallback: Bool) throws -> Bool {
        guard let value = json[key], !value.isNull else { return fallback }
        guard let bool = value.bool else { throw malformed("\(field).\(key)", "is not true or false") }
        return bool
    }

    func array(_ json: TokenizerJSON, _ key: String, at field: String) throws -> [TokenizerJSON] {
        guard let value = json[key]?.array else { throw malformed("\(field).\(key)", "is not an array") }
        return value
    }

    /// A single-character field (`Metaspace`'s `replacement`, `Strip`'s `content`).
    func character(_ json: TokenizerJSON, _ key: String, at field: String) throws -> Unicode.Scalar {
        let value = try string(json, key, at: field)
        guard value.unicodeScalars.count == 1 else { throw malformed("\(field).\(key)", "is not one character") }
        return value.unicodeScalars.first!
    }

    /// `{"String": "…"}` or `{"Regex": "…"}`, the pattern of `Replace` and `Split`.
    func pattern(_ json: TokenizerJSON, at field: String) throws -> any SplitPattern {
        guard let pattern = json["pattern"] else { throw malformed("\(field).pattern", "is missing") }
        if let literal = pattern["String"]?.string {
            guard !literal.isEmpty else { throw malformed("\(field).pattern", "is an empty string") }
            return LiteralPattern(literal)
        }
        if let regex = pattern["Regex"]?.string {
            do { return try RegexPattern.make(regex) } catch { throw malformed("\(field).pattern", "\(error)") }
        }
        throw malformed("\(field).pattern", "is neither {\"String\": …} nor {\"Regex\": …}")
    }
}
