import Foundation
import XCTest
@testable import CPOKit

final class DataInstructionFileTests: XCTestCase {
    private let tokenizer = ByteTokenizer()
    private let file = "data/train.jsonl"

    private func parse(_ lines: [String]) throws -> [InstructionExample] {
        try InstructionFile.parse(Data(lines.joined(separator: "\n").utf8), file: file, tokenizer: tokenizer)
    }

    private func ids(_ text: String) -> [Int32] { tokenizer.encode(text) }

    func testTemplateHasContextBlockOnlyWhenContextIsNonEmpty() {
        XCTAssertEqual(PromptTemplate.render(instruction: "Say hi."),
                       "### Instruction:\nSay hi.\n\n### Response:\n")
        XCTAssertEqual(PromptTemplate.render(instruction: "Say hi.", context: ""),
                       PromptTemplate.render(instruction: "Say hi."))
        XCTAssertEqual(PromptTemplate.render(instruction: "Summarise.", context: "A text."),
                       "### Instruction:\nSummarise.\n\n### Context:\nA text.\n\n### Response:\n")
    }

    func testDollyLineIsTemplatedAndResponseEndsWithEndOfText() throws {
        let examples = try parse([#"{"instruction": "Name a colour.", "context": "Sky", "response": "Blue", "category": "open_qa"}"#])
        XCTAssertEqual(examples.count, 1)
        let example = examples[0]
        XCTAssertEqual(example.promptIDs, ids(PromptTemplate.render(instruction: "Name a colour.", context: "Sky")))
        XCTAssertEqual(example.responseIDs, ids("Blue") + [tokenizer.endOfText])
        XCTAssertEqual(example.text, InstructionText(instruction: "Name a colour.", context: "Sky", response: "Blue"))
        XCTAssertEqual(example.line, 1)
        XCTAssertEqual(example.negativeIDs, [])
    }

    func testPromptLineIsTheInstructionAndNullContextIsNone() throws {
        let example = try parse([#"{"prompt": "sort: 3 1", "response": "1 3", "context": null}"#])[0]
        XCTAssertEqual(example.promptIDs, ids(PromptTemplate.render(instruction: "sort: 3 1")))
        XCTAssertEqual(example.responseIDs, ids("1 3") + [tokenizer.endOfText])
        XCTAssertEqual(example.text?.instruction, "sort: 3 1")
        XCTAssertEqual(example.text?.context, "")
    }

    func testTokenIDLineIsUsedExactlyAsGiven() throws {
        let example = try parse([#"{"prompt_ids": [5, 0, 256], "response_ids": [7, 8], "negatives_ids": [[9], [1, 2]]}"#])[0]
        XCTAssertEqual(example.promptIDs, [5, 0, 256])
        XCTAssertEqual(example.responseIDs, [7, 8])
        XCTAssertEqual(example.negativeIDs, [[9], [1, 2]])
        XCTAssertNil(example.text)
    }

    func testTextNegativesAreEncodedLikeTheResponse() throws {
        let example = try parse([#"{"prompt": "p", "response": "right", "negatives": ["wrong", "worse"]}"#])[0]
        XCTAssertEqual(example.negativeIDs, [ids("wrong") + [tokenizer.endOfText], ids("worse") + [tokenizer.endOfText]])
        XCTAssertEqual(example.text?.negatives, ["wrong", "worse"])
    }

    func testBlankLinesAreSkippedAndLineNumbersCountThem() throws {
        let line = #"{"prompt": "p", "response": "r"}"#
        let examples = try parse(["", line, "   ", line + "\r", "", ""])
        XCTAssertEqual(examples.map(\.line), [2, 4])
    }

    func testEveryMalformedLineNamesFileLineAndFault() throws {
        let good = #"{"prompt": "p", "response": "r"}"#
        let cases: [(line: String, fault: String)] = [
            (#"{"prompt": "p", "response": "#, "not valid JSON"),
            (#"[1, 2]"#, "not a JSON object"),
            (#""just a string""#, "not a JSON object"),
            (#"{"prompt": "p"}"#, "missing field 'response'"),
            (#"{"response": "r"}"#, "needs 'instruction'"),
            (#"{"category": "x"}"#, "needs 'instruction'"),
            (#"{"prompt": 3, "response": "r"}"#, "field 'prompt' must be a string"),
            (#"{"instruction": "i", "response": ["r"]}"#, "field 'response' must be a string"),
            (#"{"instruction": "i", "context": 1, "response": "r"}"#, "field 'context' must be a string"),
            (#"{"prompt": "p", "response": "r", "negatives": "n"}"#, "field 'negatives' must be a list of strings"),
            (#"{"prompt": "p", "response": "r", "negatives": ["n", ""]}"#, "negatives[1] is empty"),
            (#"{"prompt": "p", "response": ""}"#, "empty response"),
            (#"{"instruction": "i", "prompt": "p", "response": "r"}"#, "both 'instruction' and 'prompt'"),
            (#"{"prompt_ids": [1, "x"], "response_ids": [2]}"#, "field 'prompt_ids' must be a list of token ids"),
            (#"{"prompt_ids": [1.5], "response_ids": [2]}"#, "prompt_ids[0] = 1.5 is not a token id"),
            (#"{"prompt_ids": [1], "response_ids": [true]}"#, "field 'response_ids' must be a list of token ids"),
            (#"{"prompt_ids": [1], "response_ids": [2], "negatives_ids": [3]}"#, "field 'negatives_ids' must be a list of lists"),
            (#"{"prompt_ids": [1], "response_ids": [257]}"#, "response_ids[0] = 257 is not a token id in 0..<257"),
            (#"{"prompt_ids": [1, -1], "response_ids": [2]}"#, "prompt_ids[1] = -1 is not a token id"),
            (#"{"prompt_ids": [1], "response_ids": [2], "negatives_ids": [[3], [300]]}"#, "negatives_ids[1][0] = 300"),
            (#"{"prompt_ids": [1], "response_ids": [2], "negatives_ids": [[]]}"#, "negatives_ids[0] is empty"),
            (#"{"prompt_ids": [1], "response_ids": []}"#, "empty response"),
            (#"{"prompt_ids": [], "response_ids": [2]}"#, "prompt_ids is empty"),
            (#"{"prompt_ids": [1]}"#, "missing field 'response_ids'"),
            (#"{"response_ids": [1]}"#, "missing field 'prompt_ids'"),
            (#"{"prompt_ids": [1], "response": "r"}"#, "mixes token-id fields"),
        ]
        for (line, fault) in cases {
            XCTAssertThrowsError(try parse([good, "", line, good]), line) { error in
                guard case let .malformedLine(file, lineNumber, reason) = error as? DataError else {
                    return XCTFail("\(line): unexpected error \(error)")
                }
                XCTAssertEqual(file, self.file, line)
                XCTAssertEqual(lineNumber, 3, line)
                XCTAssertTrue(reason.contains(fault), "\(line): reason '\(reason)' does not say '\(fault)'")
                XCTAssertTrue("\(error)".hasPrefix("\(self.file):3: "), "\(error)")
            }
        }
    }

    func testEmptyOrBlankDataHasNoExamples() {
        for text in ["", "\n\n  \n"] {
            XCTAssertThrowsError(try InstructionFile.parse(Data(text.utf8), file: file, tokenizer: tokenizer)) { error in
                XCTAssertEqual(error as? DataError, .noExamples(file: self.file))
            }
        }
    }

    func testLoadReadsAFileAndNamesItInErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("data-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"prompt\": \"p\", \"response\": \"r\"}\nnot json\n".utf8).write(to: url)
        XCTAssertThrowsError(try InstructionFile.load(url, tokenizer: tokenizer)) { error in
            XCTAssertEqual((error as? DataError).map { if case let .malformedLine(file, line, _) = $0 { return "\(file):\(line)" } else { return "" } },
                           "\(url.path):2")
        }
        let missing = folder.appendingPathComponent("missing.jsonl")
        XCTAssertThrowsError(try InstructionFile.load(missing, tokenizer: tokenizer)) { error in
            guard case let .unreadable(file, _) = error as? DataError else { return XCTFail("unexpected error \(error)") }
            XCTAssertEqual(file, missing.path)
        }
    }
}
