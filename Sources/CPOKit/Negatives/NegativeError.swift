/// Why a negative cannot be made; each case names the slot or the data line at fault.
public enum NegativeError: Error, CustomStringConvertible, Equatable {
    /// The slot's example is outside the global batch, or its candidate is not a negative's (≥ 1).
    case invalidSlot(NegativeSlot, batchSize: Int)
    /// A negative continues a prompt, so there must be one.
    case emptyPrompt(line: Int)
    /// Batch negative k of an example is the k-th of a random order of the other examples.
    case tooFewOtherExamples(NegativeSlot, batchSize: Int)
    case tooFewFileNegatives(NegativeSlot, line: Int, available: Int)
    /// The response has too few tokens before its end-of-text for a negative of this kind to differ from it.
    case responseTooShort(NegativeKind, line: Int, tokens: Int, needed: Int)
    case tooLongForContext(NegativeKind, line: Int, tokens: Int, context: Int)

    public var description: String {
        switch self {
        case let .invalidSlot(slot, batchSize):
            return "negative slot (step \(slot.step), example \(slot.example), candidate \(slot.candidate)) is invalid: "
                + "the example must be in 0..<\(batchSize) (the global batch) and the candidate ≥ 1 (0 is the ground truth)"
        case let .emptyPrompt(line):
            return "data line \(line): the prompt is empty; a negative continues a prompt"
        case let .tooFewOtherExamples(slot, batchSize):
            return "batch negative for candidate \(slot.candidate) needs at least \(slot.candidate) other examples in the global batch, "
                + "which has \(batchSize - 1); with K candidates the global batch needs at least K examples"
        case let .tooFewFileNegatives(slot, line, available):
            return "data line \(line): candidate \(slot.candidate) needs at least \(slot.candidate) negatives from the file, "
                + "the line has \(available); with K candidates each line needs at least K − 1"
        case let .responseTooShort(kind, line, tokens, needed):
            return "data line \(line): \(kind.label) negatives need a response of at least \(needed) tokens before end-of-text, "
                + "it has \(tokens)"
        case let .tooLongForContext(kind, line, tokens, context):
            return "data line \(line): \(kind.label) negatives need \(tokens) positions, the model's context holds \(context)"
        }
    }
}
