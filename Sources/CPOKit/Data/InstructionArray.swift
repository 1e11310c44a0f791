import Foundation

/// Reads instruction data as one JSON array of records, as Alpaca (`instruction`/`input`/`output`)
/// and many other datasets ship it, in any style `InstructionRecord` reads. Each example's line is
/// where its element starts; an error names the file, that line and the element's index, which
/// tells elements apart in an array written on one line.
public enum InstructionArray {
    /// Parses the array in `data`; `file` is only used to name the source in errors.
    public static func parse(_ data: Data, file: String, tokenizer: some Tokenizer) throws -> [InstructionExample] {
        let bytes = [UInt8](data)
        let elements: [JSONArrayElements.Element]
        do {
            elements = try JSONArrayElements(bytes).elements
        } catch let problem as JSONArrayElements.Problem {
            throw DataError.malformedLine(file: file, line: problem.line, reason: problem.reason)
        }
        let decoder = JSONDecoder()
        let examples = try elements.map { element in
            do {
                return try InstructionRecord.decode(Data(bytes[element.range]), decoder: decoder).example(line: element.line, tokenizer: tokenizer)
            } catch let problem as RecordProblem {
                throw DataError.malformedElement(file: file, line: element.line, index: element.index, reason: problem.text)
            }
        }
        guard !examples.isEmpty else { throw DataError.noExamples(file: file) }
        return examples
    }
}
