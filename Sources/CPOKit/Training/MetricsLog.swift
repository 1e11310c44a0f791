import Foundation

/// `metrics.jsonl` of a run folder: one JSON object per line, written and flushed as each step
/// ends so a crashed run keeps what it measured. A line that cannot be written (a full disk) is an
/// error naming the file, and leaves no half line behind (`LineAppender`).
public final class MetricsLog {
    public let url: URL
    private let appender: LineAppender

    /// Opens the log for appending. When resuming from `resumeStep`, lines of later steps (from the
    /// part of the run that was lost) are dropped first, so every step appears once; so is a last
    /// line a crash cut short.
    public init(url: URL, resumeStep: Int? = nil) throws {
        self.url = url
        let manager = FileManager.default
        if let resumeStep, let data = manager.contents(atPath: url.path) {
            let kept = TextLines.lines(of: data).map { TextLines.bytes(of: $0, in: data) }.filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                      let step = object["step"] as? Int else { return false }
                return step <= resumeStep
            }
            try AtomicFile.write(Data(kept.map { $0 + [0x0A] }.joined()), to: url)
        } else if resumeStep == nil, manager.fileExists(atPath: url.path) {
            try AtomicFile.write(Data(), to: url)
        }
        appender = try LineAppender(url: url)
    }

    /// Appends one record. Keys are sorted so the file diffs cleanly between runs.
    public func append(_ record: [String: Any]) throws {
        try appender.append(try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]))
    }
}
