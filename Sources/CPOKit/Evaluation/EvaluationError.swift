/// Why an evaluation cannot run; each case names the file and line, or the option, at fault.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case noBuiltInTask(file: String, line: Int, tasks: [String])
    case malformedCache(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .noBuiltInTask(file, line, tasks):
            return "\(file):\(line): the verifier judge needs a prompt of a built-in task, starting with one of "
                + tasks.map { "'\($0): '" }.joined(separator: ", ")
        case let .malformedCache(file, line, reason):
            return "\(file):\(line): not a verdict cache line: \(reason)"
        }
    }
}
