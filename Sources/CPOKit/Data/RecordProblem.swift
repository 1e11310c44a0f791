/// Why one instruction record (a JSONL line or an element of a JSON array) was rejected; the
/// reader adds the file and the line (and the element's index).
struct RecordProblem: Error {
    let text: String

    init(_ text: String) { self.text = text }

    init(describing error: DecodingError) {
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            self.init(Self.fieldProblem(context) ?? "not a JSON object")
        case let .dataCorrupted(context):
            self.init(Self.fieldProblem(context) ?? "not valid JSON")
        case let .keyNotFound(key, context):
            self.init(context.codingPath.isEmpty ? "missing field '\(key.stringValue)'"
                      : "\(Self.path(context.codingPath)): missing field '\(key.stringValue)'")
        @unknown default:
            self.init("\(error)")
        }
    }

    /// What the field the decoder stopped in must hold; nil when it failed before reaching a field.
    private static func fieldProblem(_ context: DecodingError.Context) -> String? {
        guard let field = context.codingPath.first?.stringValue else { return nil }
        let expectation = InstructionRecord.CodingKeys(stringValue: field)?.expectation ?? "well-formed"
        let place = context.codingPath.count > 1 ? " (at \(path(context.codingPath)))" : ""
        return "field '\(field)' must be \(expectation)\(place)"
    }

    /// `messages[2].content`, as the record spells it.
    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.enumerated().map { offset, key in
            key.intValue.map { "[\($0)]" } ?? (offset == 0 ? key.stringValue : ".\(key.stringValue)")
        }.joined()
    }
}
