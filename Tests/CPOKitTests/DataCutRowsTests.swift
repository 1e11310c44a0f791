import Foundation
import XCTest
@testable import CPOKit

/// Rows longer than `--seq-len` are cut, and the start-up line says how many, with a warning above
/// 5 % (issue 14, item 4).
final class DataCutRowsTests: XCTestCase {
    /// A token-id row of a 2-token prompt and a `responseLength`-token response: 1 + responseLength positions.
    private func row(responseLength: Int) -> InstructionExample {
        InstructionExample(promptIDs: [1, 2], responseIDs: Array(repeating: 3, count: responseLength), line: 1)
    }

    func testARowIsCutWhenItsPositionsExceedSeqLen() {
        let rows = [row(responseLength: 7), row(responseLength: 8), row(responseLength: 30)]
        let cuts = CutRows(rows, seqLen: 8)
        XCTAssertEqual(cuts.rows, 3)
        XCTAssertEqual(cuts.cut, 2, "7 + 2 tokens fill 8 positions; one more is cut")
        XCTAssertEqual(CutRows(rows, seqLen: 31).cut, 0)
        XCTAssertEqual(TrainingSet.instructions(rows).cutRows(seqLen: 8), cuts)
    }

    func testTheWarningIsAboveFivePercent() {
        let twenty = Array(repeating: row(responseLength: 1), count: 19)
        XCTAssertEqual(CutRows(twenty + [row(responseLength: 9)], seqLen: 8).share, 0.05)
        XCTAssertFalse(CutRows(twenty + [row(responseLength: 9)], seqLen: 8).needsWarning, "1 of 20 is 5 %, not above")
        XCTAssertTrue(CutRows(twenty.dropLast() + [row(responseLength: 9), row(responseLength: 9)], seqLen: 8).needsWarning)
        XCTAssertFalse(CutRows(twenty, seqLen: 8).needsWarning)
    }

    func testPackedTextHasNoCutRows() throws {
        let text = try PackedText(text: "abcdefghij", file: "t.txt", tokenizer: ByteTokenizer(), windowLength: 4)
        XCTAssertNil(TrainingSet.text(text).cutRows(seqLen: 4))
    }

    /// The start-up line as `cpo train` prints it.
    func testTheStartupLineSaysFormatRowsCutsAndTokenizer() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cuts-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func train(cut: Int) throws -> String {
            let lengths = Array(repeating: 3, count: 20 - cut) + Array(repeating: 12, count: cut)
            let records = lengths.map { #"{"prompt_ids": [1, 2], "response_ids": [\#(Array(repeating: "3", count: $0).joined(separator: ", "))]}"# }
            let data = folder.appendingPathComponent("rows-\(cut).json")
            try Data(("[\n" + records.joined(separator: ",\n") + "\n]\n").utf8).write(to: data)
            let result = try CPOCommand.run(["train", "--preset", "tiny", "--data", data.path, "--seq-len", "8", "--steps", "1", "--batch-size", "2",
                                             "--valid-fraction", "0", "--out", folder.appendingPathComponent("run-\(cut)").path])
            XCTAssertEqual(result.status, 0, result.output)
            return result.output
        }
        let few = try train(cut: 1)
        XCTAssertTrue(few.contains("data: \(folder.path)/rows-1.json read as a JSON array (detected: it opens with '[{'); "
                                   + "20 rows, 1 cut by --seq-len 8 (5.0 %); tokenizer byte (257 ids)\n"), few)
        XCTAssertFalse(few.contains("warning"), few)
        let many = try train(cut: 3)
        XCTAssertTrue(many.contains("20 rows, 3 cut by --seq-len 8 (15.0 %); tokenizer byte (257 ids)\n"
                                    + "warning: 15.0 % of the rows (3 of 20) are longer than --seq-len 8 and are cut (the prompt keeps its end, "
                                    + "the response its start); --seq-len can be up to the model's 128 positions\n"), many)
    }
}
