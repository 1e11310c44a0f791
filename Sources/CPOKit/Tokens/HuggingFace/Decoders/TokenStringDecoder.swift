/// A `tokenizer.json` decoder: turns the token strings of a sequence back into text, a step of a
/// chain (each step sees the strings the one before made; the last ones are concatenated).
protocol TokenStringDecoder: Sendable {
    func decode(_ tokens: [String]) -> [String]
}

extension ComponentReader {
    func decoder(_ json: TokenizerJSON, at field: String) throws -> (any TokenStringDecoder)? {
        guard let type = try type(of: json, at: field) else { return nil }
        switch type {
        case "Sequence": return SequenceDecoder(parts: try sequence(json, "decoders", at: field, reading: decoder))
        case "ByteLevel": return ByteLevelDecoder()
        case "Metaspace":
            return MetaspaceDecoder(replacement: try character(json, "replacement", at: field),
                                    stripsFirst: try prependScheme(json, at: field) != .never)
        case "Replace":
            return ReplaceDecoder(pattern: try pattern(json, at: field), content: try string(json, "content", at: field))
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip":
            guard let start = json["start"]?.integer, let stop = json["stop"]?.integer, start >= 0, stop >= 0 else {
                throw malformed(field, "start and stop must be counts")
            }
            return StripDecoder(content: try character(json, "content", at: field), start: start, stop: stop)
        default: throw unsupported(field, type)
        }
    }
}
