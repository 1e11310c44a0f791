/// Why a run folder or one of its files cannot go into a report; every case names the file (and
/// the line at fault, where the fault has one) or the folder.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    /// `line` is nil where no single line is at fault, e.g. a required field that is missing.
    case malformed(file: String, line: Int?, reason: String)
    case nothingToReport(path: String)
    case ambiguousSummary(folder: String, candidates: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformed(file, line?, reason): return "\(file):\(line): \(reason)"
        case let .malformed(file, nil, reason): return "\(file): \(reason)"
        case let .nothingToReport(path):
            return "\(path): no metrics.jsonl, evaluation summary.json or sweep.json to report"
        case let .ambiguousSummary(folder, candidates):
            return "\(folder): several evaluation summaries (\(candidates.joined(separator: ", "))); give the one to report as the run path"
        }
    }
}
