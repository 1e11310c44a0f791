import Foundation

/// One held-out prompt of an instruction file, its reference continuation (the ground truth), and
/// where it came from.
public struct EvaluationExample: Sendable {
    public let file: String
    public let line: Int
    /// The line's texts; nil for token-id lines.
    public let text: InstructionText?
    /// The prompt as the model sees it: the rendered template, or the decoded `prompt_ids`.
    public let prompt: String
    public private(set) var promptIDs: [Int32]
    public let reference: String
    /// The reference as the model scores it (with end-of-text for text lines).
    public private(set) var referenceIDs: [Int32]
    /// Whether `promptIDs` and `referenceIDs` were cut to a model's context (`fitted(to:)`).
    public private(set) var isCut = false

    public init(_ example: InstructionExample, file: String, tokenizer: some Tokenizer) {
        self.file = file
        line = example.line
        text = example.text
        prompt = example.text?.prompt ?? tokenizer.decode(example.promptIDs)
        promptIDs = example.promptIDs
        reference = example.text?.response ?? tokenizer.decode(example.responseIDs)
        referenceIDs = example.responseIDs
    }

    /// The example cut to a model's `positions` by the rule of training rows (`ContextCut`): the
    /// prompt keeps its end, the scored reference its start; `prompt` and `reference`, the texts
    /// judged, stay whole.
    func fitted(to positions: Int) -> EvaluationExample {
        let cut = ContextCut(scoring: promptIDs, continuation: referenceIDs, positions: positions)
        var fitted = self
        fitted.promptIDs = cut.prompt
        fitted.referenceIDs = cut.continuation
        fitted.isCut = cut.isCut
        return fitted
    }

    /// The examples of an instruction JSONL file, the first `limit` of them when a limit is given.
    public static func load(_ url: URL, tokenizer: some Tokenizer, limit: Int? = nil) throws -> [EvaluationExample] {
        let examples = try InstructionFile.load(url, tokenizer: tokenizer)
        return examples.prefix(limit ?? examples.count).map { EvaluationExample($0, file: url.path, tokenizer: tokenizer) }
    }
}
