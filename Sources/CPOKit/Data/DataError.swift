/// What is wrong with a data file or a data setting; every case names the file (and the line at
/// fault) or the setting.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case malformedLine(file: String, line: Int, reason: String)
    /// An element of a JSON array, which starts on `line`; `index` is 0-based.
    case malformedElement(file: String, line: Int, index: Int, reason: String)
    case noExamples(file: String)
    case textTooShort(file: String, tokens: Int, needed: Int)
    case invalidSetting(name: String, reason: String)
    case unknownTask(name: String, known: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformedLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .malformedElement(file, line, index, reason): return "\(file):\(line): element \(index): \(reason)"
        case let .noExamples(file): return "\(file): no examples (the file is empty, has only blank lines, or is an empty array)"
        case let .textTooShort(file, tokens, needed):
            return "\(file): \(tokens) tokens, but one training window needs \(needed)"
        case let .invalidSetting(name, reason): return "\(name): \(reason)"
        case let .unknownTask(name, known):
            return "unknown synthetic task '\(name)'; the tasks are: \(known.joined(separator: ", "))"
        }
    }
}
