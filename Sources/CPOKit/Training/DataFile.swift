import Foundation

/// `--data` as read: the training set, the format it was read as, and why that one. Without a
/// format given, the content decides (`DataFormatDetection`); when a file taken for JSONL has no
/// JSON object on its first line, the error says why it was taken for JSONL.
public struct DataFile: Sendable {
    public let path: String
    public let format: DataFormat
    /// What the content showed; nil when `--data-format` named the format.
    public let detection: DataFormatDetection?
    public let set: TrainingSet

    /// Reads `url` as `format`, or as its content shows when `format` is nil; plain text is packed
    /// into windows of `seqLen` tokens.
    public init(_ url: URL, format given: DataFormat?, tokenizer: some Tokenizer, seqLen: Int) throws {
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError.unreadable(file: file, reason: error.localizedDescription)
        }
        let detection = try given == nil ? DataFormatDetection(content: data, file: file) : nil
        let format = given ?? detection!.format
        do {
            set = try Self.read(data, as: format, file: file, tokenizer: tokenizer, seqLen: seqLen)
        } catch let error as DataError {
            guard let detection else { throw error }
            throw Self.explained(error, detection: detection, data: data)
        }
        path = file
        self.format = format
        self.detection = detection
    }

    private static func read(_ data: Data, as format: DataFormat, file: String, tokenizer: some Tokenizer, seqLen: Int) throws -> TrainingSet {
        switch format {
        case .jsonl: return .instructions(try InstructionFile.parse(data, file: file, tokenizer: tokenizer))
        case .jsonArray: return .instructions(try InstructionArray.parse(data, file: file, tokenizer: tokenizer))
        case .text:
            if let reason = tokenizer.textUnavailable { throw DataError.unreadable(file: file, reason: "plain text needs a tokenizer, but \(reason)") }
            guard let text = String(data: data, encoding: .utf8) else { throw DataError.unreadable(file: file, reason: "plain text must be UTF-8, and this is not") }
            return .text(try PackedText(text: text, file: file, tokenizer: tokenizer, windowLength: seqLen))
        }
    }

    /// `error` with the reason the content was taken for JSONL, when its first line is no JSON
    /// object: then the guess may be what is wrong. Any other fault is the record's.
    private static func explained(_ error: DataError, detection: DataFormatDetection, data: Data) -> DataError {
        func isObject(_ bytes: Data) -> Bool { (try? JSONSerialization.jsonObject(with: bytes)) is [String: Any] }
        guard case let .malformedLine(file, line, reason) = error, detection.format == .jsonl, line == detection.line,
              !isObject(TextLines.bytes(of: TextLines.lines(of: data)[line - 1], in: data))
        else { return error }
        // A pretty-printed object opens with '{' too.
        if isObject(data) {
            return .malformedLine(file: file, line: line, reason: "the file is one JSON object; --data takes JSONL (one object a line) "
                                  + "or a JSON array of objects")
        }
        return .malformedLine(file: file, line: line,
                              reason: "\(reason) (read as JSONL because \(detection.evidence); --data-format text reads plain text)")
    }
}
