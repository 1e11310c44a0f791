/// Why an evaluation cannot run; each case names the file and line, or the option, at fault.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case noBuiltInTask(file: String, line: Int, tasks: [String])
    case malformedCache(file: String, line: Int, reason: String)
    /// A judge of texts, given a model that has token ids only.
    case judgeNeedsText(judge: String, reason: String)
    /// A token id of the data that the lm judge's vocabulary does not have.
    case tokenOutsideJudgeVocabulary(file: String, line: Int, token: Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case let .noBuiltInTask(file, line, tasks):
            return "\(file):\(line): the verifier judge needs a prompt of a built-in task, starting with one of "
                + tasks.map { "'\($0): '" }.joined(separator: ", ")
        case let .malformedCache(file, line, reason):
            return "\(file):\(line): not a verdict cache line: \(reason)"
        case let .judgeNeedsText(judge, reason):
            return "the \(judge) judge reads texts, and the model has token ids only (\(reason)); --judge lm scores token ids"
        case let .tokenOutsideJudgeVocabulary(file, line, token, vocabularySize):
            return "\(file):\(line): token id \(token) is outside the lm judge's vocabulary of \(vocabularySize)"
        }
    }
}
