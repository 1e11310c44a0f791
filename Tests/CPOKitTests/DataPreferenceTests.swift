import Foundation
import XCTest
@testable import CPOKit

/// TRL's preference data (issue 14, item 13): `prompt`/`chosen`/`rejected` lines are instruction
/// data whose response is `chosen` and whose `rejected` are the negatives `--negatives file` uses.
final class DataPreferenceTests: XCTestCase {
    private let tokenizer = ByteTokenizer()

    private func parse(_ lines: [String]) throws -> [InstructionExample] {
        try InstructionFile.parse(Data(lines.joined(separator: "\n").utf8), file: "prefs.jsonl", tokenizer: tokenizer)
    }

    private func encoded(_ text: String) -> [Int32] { tokenizer.encode(text) + [tokenizer.endOfText] }

    func testChosenIsTheResponseAndRejectedStringOrListAreNegatives() throws {
        let examples = try parse([
            #"{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon.", "score_chosen": 9.0}"#,
            #"{"prompt": "2 + 2?", "chosen": "4", "rejected": ["5", "22"]}"#,
            #"{"prompt": "Say hi.", "chosen": "hi"}"#,
        ])
        XCTAssertEqual(examples[0].text, InstructionText(instruction: "Capital of France?", response: "Paris.", negatives: ["Lyon."]))
        XCTAssertEqual(examples[0].promptIDs, tokenizer.encode(PromptTemplate.render(instruction: "Capital of France?")))
        XCTAssertEqual(examples[0].responseIDs, encoded("Paris."))
        XCTAssertEqual(examples[0].negativeIDs, [encoded("Lyon.")])
        XCTAssertEqual(examples[1].negativeIDs, [encoded("5"), encoded("22")])
        XCTAssertEqual(examples[2].negativeIDs, [])
        XCTAssertEqual(TrainingSet.instructions(examples).rowsWithNegatives, 2)
    }

    func testRejectedAreWhatFileNegativesDraw() throws {
        let examples = try parse([#"{"prompt": "2 + 2?", "chosen": "4", "rejected": ["5", "22"]}"#])
        let slots = [1, 2].map { NegativeSlot(step: 0, example: 0, candidate: $0) }
        let negatives = try FileNegatives(seed: 7).make(for: slots, in: examples)
        XCTAssertEqual(Set(negatives.map(\.tokens)), [encoded("5"), encoded("22")])
        XCTAssertThrowsError(try FileNegatives(seed: 7).make(for: [NegativeSlot(step: 0, example: 0, candidate: 3)], in: examples))
    }

    func testPreferenceFieldsThatCannotBeReadAreNamed() throws {
        let cases: [(line: String, fault: String)] = [
            (#"{"prompt": "p", "chosen": "a", "response": "b"}"#, "has both 'response' and 'chosen'"),
            (#"{"prompt": "p", "chosen": "a", "rejected": "b", "negatives": ["c"]}"#, "has both 'negatives' and 'rejected'"),
            (#"{"prompt": "p", "chosen": "a", "rejected": ""}"#, "rejected is empty"),
            (#"{"prompt": "p", "chosen": "a", "rejected": ["b", ""]}"#, "rejected[1] is empty"),
            (#"{"prompt": "p", "chosen": "a", "rejected": 3}"#, "field 'rejected' must be a string or a list of strings"),
            (#"{"prompt": "p", "rejected": "b"}"#, "missing field 'response'"),
            (#"{"prompt": "p", "chosen": [{"role": "assistant", "content": "a"}], "rejected": "b"}"#,
             "field 'chosen' must be a string (a list of messages is not read here: give the conversation as 'messages')"),
        ]
        for (line, fault) in cases {
            XCTAssertThrowsError(try parse([#"{"prompt": "p", "chosen": "a"}"#, line]), line) { error in
                XCTAssertEqual("\(error)", "prefs.jsonl:2: \(fault)", line)
            }
        }
    }
}
