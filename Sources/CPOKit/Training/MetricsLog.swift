import Foundation

/// `metrics.jsonl` of a run folder: one JSON object per line, written and flushed as each step
/// ends so a crashed run keeps what it measured.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    /// Opens the log for appending. When resuming from `resumeStep`, lines of later steps (from the
    /// part of the run that was lost) are dropped first, so every step appears once.
    public init(url: URL, resumeStep: Int? = nil) throws {
        self.url = url
        let manager = FileManager.default
        if let resumeStep, let data = manager.contents(atPath: url.path) {
            let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let step = object["step"] as? Int else { return false }
                return step <= resumeStep
            }
            let text = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(text.utf8), to: url)
        } else if resumeStep == nil || !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw AtomicFileError(file: url.path, reason: "cannot create metrics log")
            }
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw AtomicFileError(file: url.path, reason: (error as NSError).localizedDescription)
        }
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// Appends one record. Keys are sorted so the file diffs cleanly between runs.
    public func append(_ record: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        data.append(0x0A)
        handle.write(data)
    }
}
