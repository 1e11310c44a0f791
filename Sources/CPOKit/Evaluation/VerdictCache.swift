import Foundation

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
    private var entries: [String: Entry] = [:]

    /// Reads the cache file if there is one. An unfinished last line (a writer that crashed) is
    /// ignored; any other line that is not an entry is an error naming it.
    init(url: URL) throws {
        self.url = url
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                let entry = try decoder.decode(Entry.self, from: Data(line))
                entries[entry.key] = entry
            } catch where index < lines.count - 1 {
                throw EvaluationError.malformedCache(file: url.path, line: index + 1, reason: "\(error)")
            } catch {}
        }
    }

    static func key(model: String, prompt: String, a: String, b: String) -> String {
        // A JSON array keeps the four texts apart, whatever they contain.
        let fields = try! JSONSerialization.data(withJSONObject: [model, prompt, a, b], options: [])
        return SHA256.hex(Array(fields))
    }

    subscript(key: String) -> Entry? { entries[key] }

    func store(_ entry: Entry) throws {
        var line = try JSONEncoder().encode(entry)
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw AtomicFileError(file: url.path, reason: "cannot create the verdict cache")
            }
        }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw AtomicFileError(file: url.path, reason: "cannot append to the verdict cache: \(error.localizedDescription)")
        }
        entries[entry.key] = entry
    }
}
