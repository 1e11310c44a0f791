import Foundation

/// The fields of one instruction record — a JSONL line or an element of a JSON array — in any of
/// the styles the README's "Data formats" lists. Each part of an example has its names:
/// - instruction: `instruction` or `prompt`;
/// - context: `context`, or Alpaca's `input`;
/// - response: `response`, Alpaca's `output`, or TRL's `chosen`;
/// - negatives: `negatives`, or TRL's `rejected` (one string or a list);
/// - or `messages` (`Conversation`) in place of the first three;
/// - or token ids: `prompt_ids`, `response_ids`, `negatives_ids`, used exactly as given.
/// Two names of one part, or ids mixed with text, are an error; other fields (`category`,
/// `score_chosen`) are ignored. All are optional so that the style is told apart after decoding.
struct InstructionRecord: Decodable {
    let instruction: String?
    let prompt: String?
    let context: String?
    let input: String?
    let response: String?
    let output: String?
    let chosen: String?
    let negatives: [String]?
    let rejected: TextOrTexts?
    let messages: [ChatMessage]?
    // Ids are decoded as numbers and checked here: Foundation's decoder reports a non-integer where
    // an `Int` is due as invalid JSON, without saying which field.
    let promptIDs: [Double]?
    let responseIDs: [Double]?
    let negativesIDs: [[Double]]?

    enum CodingKeys: String, CodingKey {
        case instruction, prompt, context, input, response, output, chosen, negatives, rejected, messages
        case promptIDs = "prompt_ids", responseIDs = "response_ids", negativesIDs = "negatives_ids"

        var expectation: String {
            switch self {
            case .instruction, .prompt, .context, .input, .response, .output: return "a string"
            case .chosen: return "a string (a list of messages is not read here: give the conversation as 'messages')"
            case .negatives: return "a list of strings"
            case .rejected: return "a string or a list of strings"
            case .messages: return "a list of {\"role\": …, \"content\": \"…\"} objects whose content is a string"
            case .promptIDs, .responseIDs: return "a list of token ids"
            case .negativesIDs: return "a list of lists of token ids"
            }
        }
    }

    /// Decodes one record's JSON bytes.
    static func decode(_ bytes: Data, decoder: JSONDecoder) throws -> InstructionRecord {
        do {
            return try decoder.decode(InstructionRecord.self, from: bytes)
        } catch let error as DecodingError {
            throw RecordProblem(describing: error)
        }
    }

    func example(line: Int, tokenizer: some Tokenizer) throws -> InstructionExample {
        let hasIDs = promptIDs != nil || responseIDs != nil || negativesIDs != nil
        let texts: [Any?] = [instruction, prompt, context, input, response, output, chosen, negatives, rejected, messages]
        if hasIDs && texts.contains(where: { $0 != nil }) {
            throw RecordProblem("mixes token-id fields (prompt_ids, response_ids, negatives_ids) with text fields")
        }
        return hasIDs ? try idExample(line: line, vocabularySize: tokenizer.vocabularySize)
                      : try textExample(line: line, tokenizer: tokenizer)
    }

    private func textExample(line: Int, tokenizer: some Tokenizer) throws -> InstructionExample {
        if let reason = tokenizer.textUnavailable { throw RecordProblem("has text fields, but \(reason); give prompt_ids and response_ids") }
        let negatives = try Self.one([("negatives", self.negatives), ("rejected", rejected?.texts)]) ?? []
        if let empty = negatives.firstIndex(where: \.isEmpty) {
            let field = self.negatives != nil ? "negatives[\(empty)]" : negatives.count == 1 ? "rejected" : "rejected[\(empty)]"
            throw RecordProblem("\(field) is empty")
        }
        let text: InstructionText
        if let messages {
            let others = [("instruction", instruction), ("prompt", prompt), ("context", context), ("input", input),
                          ("response", response), ("output", output), ("chosen", chosen)]
            if let other = others.first(where: { $0.1 != nil }) { throw RecordProblem("has both 'messages' and '\(other.0)'") }
            let conversation = try Conversation(messages)
            text = InstructionText(instruction: conversation.instruction, response: conversation.response, negatives: negatives,
                                   system: conversation.system, earlierTurns: conversation.earlierTurns)
        } else {
            guard let instruction = try Self.one([("instruction", instruction), ("prompt", prompt)]) else {
                throw RecordProblem("needs 'instruction' or 'prompt' with 'response' (or 'output', 'chosen'), 'messages', or 'prompt_ids' and 'response_ids'")
            }
            let context = try Self.one([("context", context), ("input", input)]) ?? ""
            guard let response = try Self.one([("response", response), ("output", output), ("chosen", chosen)]) else {
                throw RecordProblem("missing field 'response'")
            }
            guard !response.isEmpty else { throw RecordProblem("empty response") }
            text = InstructionText(instruction: instruction, context: context, response: response, negatives: negatives)
        }
        return InstructionExample(text: text, line: line, tokenizer: tokenizer)
    }

    /// The value of whichever of a part's names the record gives; two of them are an error.
    private static func one<Value>(_ names: [(String, Value?)]) throws -> Value? {
        let given = names.filter { $0.1 != nil }
        if given.count > 1 { throw RecordProblem("has both '\(given[0].0)' and '\(given[1].0)'") }
        return given.first?.1
    }

    private func idExample(line: Int, vocabularySize: Int) throws -> InstructionExample {
        guard let promptIDs else { throw RecordProblem("missing field 'prompt_ids'") }
        guard let responseIDs else { throw RecordProblem("missing field 'response_ids'") }
        // The first response token is predicted from the last prompt token, so there must be one.
        guard !promptIDs.isEmpty else { throw RecordProblem("prompt_ids is empty") }
        guard !responseIDs.isEmpty else { throw RecordProblem("empty response") }
        let negativesIDs = negativesIDs ?? []
        if let empty = negativesIDs.firstIndex(where: \.isEmpty) { throw RecordProblem("negatives_ids[\(empty)] is empty") }
        func checked(_ ids: [Double], _ name: String) throws -> [Int32] {
            let isTokenID = { (id: Double) in id.rounded() == id && id >= 0 && id < Double(vocabularySize) }
            if let bad = ids.firstIndex(where: { !isTokenID($0) }) {
                let value = ids[bad], shown = value.rounded() == value && abs(value) < 1e18 ? String(Int(value)) : "\(value)"
                throw RecordProblem("\(name)[\(bad)] = \(shown) is not a token id in 0..<\(vocabularySize)")
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
