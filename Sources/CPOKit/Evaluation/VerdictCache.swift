import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The http judge's answers on disk, one JSON object per line, keyed by the SHA-256 of (judge model,
/// prompt, text A, text B) in that order: a re-run over the same texts asks nothing. Only answers
/// are kept, malformed ones included; a request that failed is asked again next time.
final class VerdictCache {
    struct Entry: Codable, Equatable {
        let key: String
        /// Nil for a malformed reply.
        let preference: PairwisePreference?
        let reply: String
    }

    let url: URL
    /// The number of an unfinished last line that was not an entry (a writer that crashed midway):
    /// it is ignored, and cut off before the next entry is appended, so no entry runs on from it.
    let droppedLine: Int?
    private var entries: [String: Entry] = [:]
    /// Where the file's complete lines end, and whether the last of them lacks its line end.
    private var validLength: Int?
    private var needsLineEnd = false
    private var appender: LineAppender?

    /// Reads the cache file if there is one. Any line other than an unfinished last one that is not
    /// an entry is an error naming it.
    init(url: URL) throws {
        self.url = url
        guard let data = FileManager.default.contents(atPath: url.path) else {
            droppedLine = nil
            return
        }
        let decoder = JSONDecoder()
        var dropped: Int?
        for line in TextLines.lines(of: data) {
            let bytes = TextLines.bytes(of: line, in: data)
            if TextLines.isBlank(bytes) { continue }
            do {
                let entry = try decoder.decode(Entry.self, from: bytes)
                entries[entry.key] = entry
                needsLineEnd = !line.isTerminated
            } catch where !line.isTerminated {
                dropped = line.number
                validLength = line.range.lowerBound
            } catch {
                throw EvaluationError.malformedCache(file: url.path, line: line.number, reason: "\(error)")
            }
        }
        droppedLine = dropped
    }

    /// What the CLI should tell the user about the file, if anything.
    var warning: String? {
        droppedLine.map { "\(url.path):\($0): an unfinished last line (a run ended while writing it) is ignored and will be replaced" }
    }

    static func key(model: String, prompt: String, a: String, b: String) -> String {
        // A JSON array keeps the four texts apart, whatever they contain.
        let fields = try! JSONSerialization.data(withJSONObject: [model, prompt, a, b], options: [])
        return SHA256.hex(Array(fields))
    }

    subscript(key: String) -> Entry? { entries[key] }

    func store(_ entry: Entry) throws {
        if appender == nil {
            if let validLength {
                guard truncate(url.path, off_t(validLength)) == 0 else { throw AtomicFileError.unwritable(file: url.path) }
                self.validLength = nil
            }
            appender = try LineAppender(url: url)
            if needsLineEnd {
                try appender!.append(Data())
                needsLineEnd = false
            }
        }
        // Sorted keys, so that the same answers make the same file.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try appender!.append(try encoder.encode(entry))
        entries[entry.key] = entry
    }
}
