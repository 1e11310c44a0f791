@testable import CPOKit

extension EvaluationExample {
    /// A text example of `file.jsonl` at `line`, as `EvaluationExample.load` would make it.
    static func forTests(_ instruction: String, reference: String, line: Int = 1) -> EvaluationExample {
        let tokenizer = ByteTokenizer()
        return EvaluationExample(InstructionExample(text: InstructionText(instruction: instruction, response: reference), line: line, tokenizer: tokenizer),
                                 file: "file.jsonl", tokenizer: tokenizer)
    }
}
