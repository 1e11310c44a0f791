import Foundation

/// What `cpo tokenize` does to a JSONL file: a line with `text` gains `ids` (no special tokens) and
/// `ids_with_specials` (the post-processor's output); a line with `ids` gains `text` (decoded,
/// special tokens kept). The line is otherwise kept as written, the new fields appended.
public enum TokenizationRecords {
    /// One output line per non-blank input line, in order; lines are encoded concurrently.
    public static func process(_ contents: String, file: String, tokenizer: any Tokenizer) throws -> [String] {
        // Cut at the byte: a "\n" followed by a combining mark is one Character.
        let bytes = Array(contents.utf8)
        let lines = TextLines.lines(of: bytes).map { (number: $0.number, bytes: bytes[$0.range]) }.filter { !TextLines.isBlank($0.bytes) }
        var results = [Result<String, DataError>?](repeating: nil, count: lines.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UnsafeSendable(slots)
            Parallel.forEachChunk(lines.count, workPerItem: 4096) { range in
                for index in range {
                    let (number, line) = lines[index]
                    slots.value[index] = Result { try self.line(String(decoding: line, as: UTF8.self), tokenizer: tokenizer) }
                        .mapError { DataError.malformedLine(file: file, line: number, reason: "\($0)") }
                }
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The output line for one JSON object line.
    public static func line(_ line: String, tokenizer: any Tokenizer) throws -> String {
        // Read exactly (JSONSerialization drops some U+FEFF inside strings) and append to the text
        // as written rather than re-serializing it.
        guard let record = try? TokenizerJSON.parse(Array(line.utf8)), case .object = record else { throw RecordError("not a JSON object") }
        let added: String
        switch (record["text"], record["ids"]) {
        case (nil, nil): throw RecordError("has neither \"text\" nor \"ids\"")
        case (_?, _?): throw RecordError("has both \"text\" and \"ids\"; give one")
        case let (text?, nil):
            guard let text = text.string else { throw RecordError("\"text\" is not a string") }
            let ids = tokenizer.encode(text)
            added = "\"ids\": \(list(ids)), \"ids_with_specials\": \(list(tokenizer.withSpecialTokens(ids)))"
        case let (nil, ids?):
            guard let numbers = ids.array, case let values = numbers.compactMap(\.integer), values.count == numbers.count else {
                throw RecordError("\"ids\" is not an array of integers")
            }
            if let outside = values.first(where: { !(0..<tokenizer.vocabularySize).contains($0) }) {
                throw RecordError("id \(outside) is outside the vocabulary (0..<\(tokenizer.vocabularySize))")
            }
            added = "\"text\": " + TokenizerJSON.literal(tokenizer.decode(values.map(Int32.init), keepingSpecialTokens: true))
        }
        // The object is not empty (it has "text" or "ids"), so its fields end before the last "}".
        let body = line.utf8.reversed().drop { $0 != UInt8(ascii: "}") }.dropFirst().reversed()
        return String(decoding: body, as: UTF8.self) + ", " + added + "}"
    }

    /// The output line for `{"text": text}`.
    public static func line(forText text: String, tokenizer: any Tokenizer) throws -> String {
        try line("{\"text\": \(TokenizerJSON.literal(text))}", tokenizer: tokenizer)
    }

    /// `[1, 2, 3]`, digits written by hand: `String(_:)` and `joined` took most of the time of
    /// `cpo tokenize` on long texts.
    private static func list(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(ids.count * 7 + 2)
        var digits = [UInt8](repeating: 0, count: 11)
        for (index, id) in ids.enumerated() {
            if index > 0 { bytes += [UInt8(ascii: ","), UInt8(ascii: " ")] }
            if id < 0 { bytes.append(UInt8(ascii: "-")) }
            var value = id.magnitude
            var count = 0
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                count += 1
            } while value > 0
            for digit in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[digit]) }
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
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
