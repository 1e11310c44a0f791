/// How a `--data` file is read. `--data-format` names one; without it (`auto`) the file's content
/// picks one (`DataFormatDetection`).
public enum DataFormat: String, CaseIterable, Sendable {
    /// One instruction record a line (`InstructionFile`).
    case jsonl
    /// One JSON array of instruction records, as Alpaca ships them (`InstructionArray`).
    case jsonArray = "json"
    /// Plain text, packed into windows (`PackedText`).
    case text

    /// As the start-up line and errors name it.
    public var name: String {
        switch self {
        case .jsonl: return "JSONL"
        case .jsonArray: return "a JSON array"
        case .text: return "plain text"
        }
    }
}
