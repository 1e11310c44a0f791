/// B rows of T positions for next-token training, row-major: `targets[i]` is the token that should
/// follow `inputs[i]`, or `ignoredTarget` where no loss is taken (prompt positions and padding).
public struct TrainingBatch: Sendable, Equatable {
    public static let ignoredTarget: Int32 = -1

    public let rows: Int
    /// T, the positions per row.
    public let length: Int
    public let inputs: [Int32]
    public let targets: [Int32]
    /// Rows whose sequence was cut to fit T + 1 tokens (the rule is `SequenceFit`'s).
    public let truncatedRows: Int

    /// Positions that carry a loss.
    public var targetCount: Int { targets.count { $0 != Self.ignoredTarget } }

    /// Each row is an example's prompt + response, cut by `SequenceFit` to T + 1 tokens: inputs are
    /// the sequence without its last token, targets the sequence without its first, masked inside the
    /// prompt. Short rows are padded with `padding` inputs (normally the end-of-text id) and ignored
    /// targets.
    public init(examples: [InstructionExample], length: SequenceLength, padding: Int32) throws {
        guard !examples.isEmpty else { throw DataError.invalidSetting(name: "batch", reason: "has no examples") }
        try length.validate()
        let longestRow = examples.map { $0.promptIDs.count + $0.responseIDs.count - 1 }.max()!
        let positions = length.positions(longestRow: longestRow)
        var truncatedRows = 0
        let sequences = examples.map { example in
            let fit = SequenceFit(promptCount: example.promptIDs.count, continuationCount: example.responseIDs.count,
                                  capacity: positions + 1)
            if fit.isCut { truncatedRows += 1 }
            return (prompt: example.promptIDs.suffix(fit.promptKept), continuation: example.responseIDs.prefix(fit.continuationKept))
        }
        self.init(sequences: sequences, length: positions, padding: padding, truncatedRows: truncatedRows)
    }

    /// Rows of at most `length + 1` tokens each; targets of continuation tokens carry the loss.
    init(sequences: [(prompt: ArraySlice<Int32>, continuation: ArraySlice<Int32>)], length: Int, padding: Int32, truncatedRows: Int) {
        var inputs = [Int32](repeating: padding, count: sequences.count * length)
        var targets = [Int32](repeating: Self.ignoredTarget, count: sequences.count * length)
        for (row, sequence) in sequences.enumerated() {
            let tokens = Array(sequence.prompt) + Array(sequence.continuation)
            precondition(tokens.count <= length + 1, "a row of \(tokens.count) tokens does not fit \(length) positions")
            let start = row * length
            for position in 0..<(tokens.count - 1) {
                inputs[start + position] = tokens[position]
                if position + 1 >= sequence.prompt.count { targets[start + position] = tokens[position + 1] }
            }
        }
        self.rows = sequences.count
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.truncatedRows = truncatedRows
    }
}
