import Foundation

/// The format a `--data` file's content shows, read from its first character that is not white
/// space (after a UTF-8 byte-order mark):
/// - `{` opens JSONL;
/// - `[` followed by `{` or `]` opens a JSON array of records (Alpaca's files);
/// - anything else is plain text, except in a file named `.json` or `.jsonl`, where it is an error:
///   such a file is never trained on as text without `--data-format text` saying so. A `[` that
///   opens no object (`[1] Introduction`, `[Verse 1]`) is text by the same rule.
/// The extension decides nothing else: JSONL named `.json` is JSONL.
public struct DataFormatDetection: Sendable, Equatable {
    public let format: DataFormat
    /// Why, as the start-up line says it: "the first character is '{'".
    public let evidence: String
    /// The 1-based line of the first character, where the first record starts.
    public let line: Int

    /// `file` names the source in errors; its extension is only consulted for content that is not JSON.
    public init(content: Data, file: String) throws {
        let bytes = [UInt8](content)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = bytes[start...].firstIndex(where: { !isSpace($0) }) else { throw DataError.noExamples(file: file) }
        line = TextLines.number(atByte: first, in: bytes)
        let next = bytes[(first + 1)...].first(where: { !isSpace($0) })
        switch (bytes[first], next) {
        case (UInt8(ascii: "{"), _):
            (format, evidence) = (.jsonl, "the first character is '{'")
        case (UInt8(ascii: "["), UInt8(ascii: "{")?), (UInt8(ascii: "["), UInt8(ascii: "]")?):
            (format, evidence) = (.jsonArray, "it opens with '[\(Character(UnicodeScalar(next!)))'")
        default:
            let shown = Self.character(at: first, in: bytes)
            let fileExtension = URL(fileURLWithPath: file).pathExtension.lowercased()
            if ["json", "jsonl"].contains(fileExtension) {
                throw DataError.malformedLine(file: file, line: line, reason: "named .\(fileExtension), but it starts with \(shown), which opens "
                    + "neither JSONL ('{') nor a JSON array of objects ('[{'); --data-format text reads it as plain text")
            }
            (format, evidence) = (.text, "the first character, \(shown), opens neither JSONL nor a JSON array of objects")
        }
    }

    /// The character at `offset`, quoted, for messages; a byte that starts no valid UTF-8 is shown in hex.
    private static func character(at offset: Int, in bytes: [UInt8]) -> String {
        let scalar = String(decoding: bytes[offset ..< min(offset + 4, bytes.count)], as: UTF8.self).unicodeScalars.first
        guard let scalar, scalar != "\u{FFFD}" else { return String(format: "byte 0x%02X", bytes[offset]) }
        return "'\(Character(scalar))'"
    }
}
