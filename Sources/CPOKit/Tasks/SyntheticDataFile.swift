import Foundation

/// Writes a synthetic task's examples as `prompt`/`response` JSONL, the form `InstructionFile` reads.
public enum SyntheticDataFile {
    /// Examples 0..<count of `seed`, one JSON object per line; the file appears whole or not at all.
    public static func write(_ task: some SyntheticTask, count: Int, seed: UInt64, to url: URL) throws {
        guard count >= 1 else { throw DataError.invalidSetting(name: "count", reason: "must be at least 1, got \(count)") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for index in 0..<count {
            let example = task.example(seed: seed, index: index)
            data += try encoder.encode(Line(prompt: example.prompt, response: example.response))
            data.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(data, to: url)
    }

    private struct Line: Encodable {
        let prompt: String
        let response: String
    }
}
