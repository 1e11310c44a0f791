import Foundation

/// An evaluation's per-prompt records and its summary, and the folder they are written to.
public struct JudgedEvaluation: Sendable, Equatable {
    public static let recordsFile = "evaluation.jsonl"
    public static let summaryFile = "summary.json"

    public var records: [EvaluationRecord]
    public var summary: EvaluationSummary

    /// Writes `evaluation.jsonl` and `summary.json` into `folder`, each file atomically.
    public func write(to folder: URL) throws {
        try OutputFolder.create(folder)
        let lines = JSONEncoder()
        lines.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var records = Data()
        for record in self.records {
            records += try lines.encode(record)
            records.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(records, to: folder.appendingPathComponent(Self.recordsFile))
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try pretty.encode(summary), to: folder.appendingPathComponent(Self.summaryFile))
    }
}
