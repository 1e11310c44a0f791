import Foundation

/// Reads instruction data: JSONL, one example per line, in one of three field styles:
/// - Dolly: `instruction`, optional `context`, `response` (`category` and other fields are ignored);
/// - `prompt`, `response` (`prompt` plays the part of the instruction, `context` is allowed too);
/// - `prompt_ids`, `response_ids`: token ids used exactly as given, with no template and no
///   end-of-text appended.
/// Text lines may carry `negatives` (texts) and token-id lines `negatives_ids` (lists of ids).
/// Blank lines are skipped; a line that is not valid or mixes the styles is an error naming the
/// file and line.
public enum InstructionFile {
    public static func load(_ url: URL, tokenizer: some Tokenizer) throws -> [InstructionExample] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try parse(data, file: url.path, tokenizer: tokenizer)
    }

    /// Parses JSONL `data`; `file` is only used to name the source in errors.
    public static func parse(_ data: Data, file: String, tokenizer: some Tokenizer) throws -> [InstructionExample] {
        let decoder = JSONDecoder()
        var examples: [InstructionExample] = []
        for line in TextLines.lines(of: data) {
            let bytes = TextLines.bytes(of: line, in: data)
            if TextLines.isBlank(bytes) { continue }
            do {
                let fields = try decodeFields(bytes, decoder: decoder)
                examples.append(try fields.example(line: line.number, tokenizer: tokenizer))
            } catch let reason as LineProblem {
                throw DataError.malformedLine(file: file, line: line.number, reason: reason.text)
            }
        }
        guard !examples.isEmpty else { throw DataError.noExamples(file: file) }
        return examples
    }

    private static func decodeFields(_ line: Data, decoder: JSONDecoder) throws -> LineFields {
        do {
            return try decoder.decode(LineFields.self, from: line)
        } catch let error as DecodingError {
            throw LineProblem(describing: error)
        }
    }
}

/// Why one line was rejected; `InstructionFile` adds the file and line number.
private struct LineProblem: Error {
    let text: String

    init(_ text: String) { self.text = text }

    init(describing error: DecodingError) {
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            self.init(Self.fieldProblem(context) ?? "not a JSON object")
        case let .dataCorrupted(context):
            self.init(Self.fieldProblem(context) ?? "not valid JSON")
        case let .keyNotFound(key, _):
            self.init("missing field '\(key.stringValue)'")
        @unknown default:
            self.init("\(error)")
        }
    }

    /// What the field the decoder stopped in must hold; nil when it failed before reaching a field.
    private static func fieldProblem(_ context: DecodingError.Context) -> String? {
        guard let field = context.codingPath.first?.stringValue else { return nil }
        return "field '\(field)' must be \(LineFields.CodingKeys(stringValue: field)?.expectation ?? "well-formed")"
    }
}

/// The fields of one JSONL line that any style uses; all optional so the style can be told apart
/// after decoding.
private struct LineFields: Decodable {
    let instruction: String?
    let context: String?
    let prompt: String?
    let response: String?
    let negatives: [String]?
    // Ids are decoded as numbers and checked here: Foundation's decoder reports a non-integer where
    // an `Int` is due as invalid JSON, without saying which field.
    let promptIDs: [Double]?
    let responseIDs: [Double]?
    let negativesIDs: [[Double]]?

    enum CodingKeys: String, CodingKey {
        case instruction, context, prompt, response, negatives
        case promptIDs = "prompt_ids", responseIDs = "response_ids", negativesIDs = "negatives_ids"

        var expectation: String {
            switch self {
            case .instruction, .context, .prompt, .response: return "a string"
            case .negatives: return "a list of strings"
            case .promptIDs, .responseIDs: return "a list of token ids"
            case .negativesIDs: return "a list of lists of token ids"
            }
        }
    }

    func example(line: Int, tokenizer: some Tokenizer) throws -> InstructionExample {
        let hasIDs = promptIDs != nil || responseIDs != nil || negativesIDs != nil
        let hasText = instruction != nil || prompt != nil || response != nil || context != nil || negatives != nil
        if hasIDs && hasText {
            throw LineProblem("mixes token-id fields (prompt_ids, response_ids, negatives_ids) with text fields")
        }
        return hasIDs ? try idExample(line: line, vocabularySize: tokenizer.vocabularySize)
                      : try textExample(line: line, tokenizer: tokenizer)
    }

    private func textExample(line: Int, tokenizer: some Tokenizer) throws -> InstructionExample {
        if let reason = tokenizer.textUnavailable { throw LineProblem("has text fields, but \(reason); give prompt_ids and response_ids") }
        if instruction != nil && prompt != nil { throw LineProblem("has both 'instruction' and 'prompt'") }
        guard let instruction = instruction ?? prompt else {
            throw LineProblem("needs 'instruction' and 'response', 'prompt' and 'response', or 'prompt_ids' and 'response_ids'")
        }
        guard let response else { throw LineProblem("missing field 'response'") }
        guard !response.isEmpty else { throw LineProblem("empty response") }
        let negatives = negatives ?? []
        if let empty = negatives.firstIndex(where: \.isEmpty) { throw LineProblem("negatives[\(empty)] is empty") }
        let text = InstructionText(instruction: instruction, context: context ?? "", response: response, negatives: negatives)
        return InstructionExample(text: text, line: line, tokenizer: tokenizer)
    }

    private func idExample(line: Int, vocabularySize: Int) throws -> InstructionExample {
        guard let promptIDs else { throw LineProblem("missing field 'prompt_ids'") }
        guard let responseIDs else { throw LineProblem("missing field 'response_ids'") }
        // The first response token is predicted from the last prompt token, so there must be one.
        guard !promptIDs.isEmpty else { throw LineProblem("prompt_ids is empty") }
        guard !responseIDs.isEmpty else { throw LineProblem("empty response") }
        let negativesIDs = negativesIDs ?? []
        if let empty = negativesIDs.firstIndex(where: \.isEmpty) { throw LineProblem("negatives_ids[\(empty)] is empty") }
        func checked(_ ids: [Double], _ name: String) throws -> [Int32] {
            let isTokenID = { (id: Double) in id.rounded() == id && id >= 0 && id < Double(vocabularySize) }
            if let bad = ids.firstIndex(where: { !isTokenID($0) }) {
                let value = ids[bad], shown = value.rounded() == value && abs(value) < 1e18 ? String(Int(value)) : "\(value)"
                throw LineProblem("\(name)[\(bad)] = \(shown) is not a token id in 0..<\(vocabularySize)")
            }
            return ids.map { Int32($0) }
        }
        return InstructionExample(
            promptIDs: try checked(promptIDs, "prompt_ids"),
            responseIDs: try checked(responseIDs, "response_ids"),
            negativeIDs: try negativesIDs.enumerated().map { try checked($0.element, "negatives_ids[\($0.offset)]") },
            line: line)
    }
}
