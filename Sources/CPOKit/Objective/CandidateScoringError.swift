/// A candidate row that cannot be scored; each case names the example and candidate (0-based,
/// candidate 0 is the ground truth).
public enum CandidateScoringError: Error, CustomStringConvertible, Equatable {
    case emptyPrompt(example: Int, candidate: Int)
    /// Such a candidate has no token log-prob to average and no hidden state to pool.
    case emptyContinuation(example: Int, candidate: Int)
    case tooLong(example: Int, candidate: Int, positions: Int, context: Int)

    public var description: String {
        switch self {
        case let .emptyPrompt(example, candidate):
            return "example \(example), candidate \(candidate): the prompt is empty; a continuation needs a token to follow"
        case let .emptyContinuation(example, candidate):
            return "example \(example), candidate \(candidate): the continuation is empty"
        case let .tooLong(example, candidate, positions, context):
            return "example \(example), candidate \(candidate): prompt + continuation need \(positions) positions, the model's context holds \(context)"
        }
    }
}
