/// A `tokenizer.json` post-processor: the special tokens put around one encoded sequence.
protocol PostProcessor: Sendable {
    func process(_ ids: [Int32]) -> [Int32]
    /// The ids it puts before the sequence (Llama's BOS).
    var prefix: [Int32] { get }
}

extension ComponentReader {
    func postProcessor(_ json: TokenizerJSON, at field: String) throws -> (any PostProcessor)? {
        guard let type = try type(of: json, at: field) else { return nil }
        switch type {
        case "Sequence": return SequencePostProcessor(parts: try sequence(json, "processors", at: field, reading: postProcessor))
        case "ByteLevel": return ByteLevelPostProcessor()
        case "TemplateProcessing": return try TemplatePostProcessor(json, at: field, reader: self)
        default: throw unsupported(field, type)
        }
    }
}
