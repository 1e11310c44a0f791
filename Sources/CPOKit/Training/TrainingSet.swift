import Foundation

/// The examples a run trains and evaluates on: instruction pairs (loss on the response only) or
/// plain text packed into windows (loss everywhere).
public enum TrainingSet: Sendable {
    case instructions([InstructionExample])
    case text(PackedText)

    /// `count` examples of a built-in task, rendered with the prompt template: the default data.
    public static func synthetic(_ task: some SyntheticTask, count: Int, seed: UInt64, tokenizer: some Tokenizer) -> TrainingSet {
        .instructions((0..<count).map { index in
            let example = task.example(seed: seed, index: index)
            return InstructionExample(text: InstructionText(instruction: example.prompt, response: example.response),
                                      line: index + 1, tokenizer: tokenizer)
        })
    }

    public var count: Int {
        switch self {
        case let .instructions(examples): return examples.count
        case let .text(packed): return packed.windowCount
        }
    }

    /// The instruction rows `seqLen` cuts; nil for packed text, which is never cut.
    public func cutRows(seqLen: Int) -> CutRows? {
        if case let .instructions(examples) = self { return CutRows(examples, seqLen: seqLen) }
        return nil
    }

    /// Instruction rows that carry negatives of their own (`negatives`, `rejected`).
    public var rowsWithNegatives: Int {
        if case let .instructions(examples) = self { return examples.count { !$0.negativeIDs.isEmpty } }
        return 0
    }

    /// Rows for the given example indices; instruction rows are padded only to the longest row
    /// (at most `seqLen`).
    public func batch(_ indices: [Int], seqLen: Int, padding: Int32) throws -> TrainingBatch {
        switch self {
        case let .instructions(examples):
            return try TrainingBatch(examples: indices.map { examples[$0] }, length: .longest(cap: seqLen), padding: padding)
        case let .text(packed):
            return try packed.batch(windows: indices)
        }
    }

    /// The longest prompt and response in tokens (a text window is all response), as the memory
    /// plan sizes the passes by them.
    public var longestLengths: (prompt: Int, response: Int) {
        switch self {
        case let .instructions(examples):
            return (examples.map(\.promptIDs.count).max() ?? 0, examples.map(\.responseIDs.count).max() ?? 0)
        case let .text(packed):
            return (0, packed.windowLength)
        }
    }

    /// The positions of the longest batch row: a text window, or the longest prompt and response
    /// (less the last token, which is only a target), at most `seqLen`.
    public func longestRow(seqLen: Int) -> Int {
        switch self {
        case let .instructions(examples): return min(seqLen, examples.map { $0.promptIDs.count + $0.responseIDs.count - 1 }.max() ?? 1)
        case let .text(packed): return packed.windowLength
        }
    }

    /// The instruction example at `index`, when this set holds instructions.
    public func instruction(_ index: Int) -> InstructionExample? {
        if case let .instructions(examples) = self { return examples[index] }
        return nil
    }
}
