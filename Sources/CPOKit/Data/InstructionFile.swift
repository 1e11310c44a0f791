import Foundation

/// Reads instruction data as JSONL: one record a line, in any style `InstructionRecord` reads.
/// Blank lines are skipped; a line that is not valid or mixes the styles is an error naming the
/// file and line.
public enum InstructionFile {
    public static func load(_ url: URL, tokenizer: some Tokenizer) throws -> [InstructionExample] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try parse(data, file: url.path, tokenizer: tokenizer)
    }

    /// Parses JSONL `data`; `file` is only used to name the source in errors.
    public static func parse(_ data: Data, file: String, tokenizer: some Tokenizer) throws -> [InstructionExample] {
        let decoder = JSONDecoder()
        var examples: [InstructionExample] = []
        for line in TextLines.lines(of: data) {
            let bytes = TextLines.bytes(of: line, in: data)
            if TextLines.isBlank(bytes) { continue }
            do {
                examples.append(try InstructionRecord.decode(bytes, decoder: decoder).example(line: line.number, tokenizer: tokenizer))
            } catch let problem as RecordProblem {
                throw DataError.malformedLine(file: file, line: line.number, reason: problem.text)
            }
        }
        guard !examples.isEmpty else { throw DataError.noExamples(file: file) }
        return examples
    }
}
