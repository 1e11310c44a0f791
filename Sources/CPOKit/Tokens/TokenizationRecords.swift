import Foundation

/// What `cpo tokenize` does to a JSONL file: a line with `text` gains `ids` (no special tokens) and
/// `ids_with_specials` (the post-processor's output); a line with `ids` gains `text` (decoded,
/// special tokens kept). Other fields are kept.
public enum TokenizationRecords {
    /// One output line per non-blank input line, in order; lines are encoded concurrently.
    public static func process(_ contents: String, file: String, tokenizer: any Tokenizer) throws -> [String] {
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.allSatisfy(\.isWhitespace) }
        var results = [Result<String, DataError>?](repeating: nil, count: lines.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UnsafeSendable(slots)
            Parallel.forEachChunk(lines.count, workPerItem: 4096) { range in
                for index in range {
                    let (offset, line) = lines[index]
                    slots.value[index] = Result { try self.line(String(line), tokenizer: tokenizer) }
                        .mapError { DataError.malformedLine(file: file, line: offset + 1, reason: "\($0)") }
                }
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The output line for one JSON object line.
    public static func line(_ line: String, tokenizer: any Tokenizer) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)), var record = object as? [String: Any] else {
            throw RecordError("not a JSON object")
        }
        switch (record["text"], record["ids"]) {
        case (nil, nil): throw RecordError("has neither \"text\" nor \"ids\"")
        case (_?, _?): throw RecordError("has both \"text\" and \"ids\"; give one")
        case let (text?, nil):
            guard let text = text as? String else { throw RecordError("\"text\" is not a string") }
            let ids = tokenizer.encode(text)
            record["ids"] = ids.map(Int.init)
            record["ids_with_specials"] = tokenizer.withSpecialTokens(ids).map(Int.init)
        case let (nil, ids?):
            guard let numbers = ids as? [Any], case let values = numbers.compactMap({ $0 as? Int }), values.count == numbers.count else {
                throw RecordError("\"ids\" is not an array of integers")
            }
            if let outside = values.first(where: { !(0..<tokenizer.vocabularySize).contains($0) }) {
                throw RecordError("id \(outside) is outside the vocabulary (0..<\(tokenizer.vocabularySize))")
            }
            record["text"] = tokenizer.decode(values.map(Int32.init), keepingSpecialTokens: true)
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
    }

    struct RecordError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Hands a buffer whose slots each thread writes disjointly to concurrent code.
private struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
