import Foundation
import XCTest
@testable import CPOKit

/// A JSON array of records: each element is read as a JSONL line is, and every fault names the
/// file, the line where the element starts and its index.
final class DataJSONArrayTests: XCTestCase {
    private let tokenizer = ByteTokenizer()
    private let file = "data/train.json"

    private func parse(_ text: String) throws -> [InstructionExample] {
        try InstructionArray.parse(Data(text.utf8), file: file, tokenizer: tokenizer)
    }

    func testEveryRecordStyleAndTheFrameAroundThem() throws {
        let text = #"""
            [{"instruction": "i", "context": "c", "response": "r"}, {"instruction": "i", "input": "c", "output": "r"},
             {"prompt": "[not, an] \"array\", {x}", "response": "r\\"},
             {"prompt_ids": [1, 2], "response_ids": [3]}]
            """#
        let examples = try parse(text)
        XCTAssertEqual(examples.count, 4)
        XCTAssertEqual(examples[0].text, InstructionText(instruction: "i", context: "c", response: "r"))
        XCTAssertEqual(examples[1].text, examples[0].text, "Alpaca's input and output are context and response")
        XCTAssertEqual(examples[2].text?.instruction, #"[not, an] "array", {x}"#, "brackets and commas inside strings are text")
        XCTAssertEqual(examples[2].text?.response, #"r\"#)
        XCTAssertEqual(examples[3].promptIDs, [1, 2])
        XCTAssertEqual(examples.map(\.line), [1, 1, 2, 3])
    }

    func testABadElementNamesFileLineAndIndex() throws {
        let cases: [(text: String, error: String)] = [
            ("[\n  {\"prompt\": \"p\", \"response\": \"r\"},\n  {\"prompt\": \"p\"}\n]", "data/train.json:3: element 1: missing field 'response'"),
            (#"[{"prompt": "p", "response": "r"}, {"prompt": "p", "output": "r", "response": "r"}]"#,
             "data/train.json:1: element 1: has both 'response' and 'output'"),
            (#"[{"prompt": "p", "response": "r"}, "text"]"#, "data/train.json:1: element 1: not a JSON object"),
            (#"[{"prompt": "p", "response": "r"}, {"prompt": "p" "response": "r"}]"#, "data/train.json:1: element 1: not valid JSON"),
            ("[{\"prompt\": \"p\", \"response\": \"r\"},\n]", "data/train.json:2: element 1 is missing: ']' where a value is due"),
            ("[{\"prompt\": \"p\", \"response\": \"r\"}", "data/train.json:1: the array is not closed: no ']' after element 0"),
            ("[{\"prompt\": \"p\", \"response\": \"r\"}]\n[]", "data/train.json:2: text after the array's closing ']'"),
            ("[{\"prompt\": \"p\", \"response\": \"r\"} {}]", "data/train.json:1: element 0: not valid JSON"),
            ("[{\"prompt\": \"p\", \"response\": \"r\"}}]", "data/train.json:1: a '}' that closes nothing"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in XCTAssertEqual("\(error)", expected, text) }
        }
    }

    func testArrayElementsAreFoundWithTheirLinesWhateverTheLineEnds() throws {
        for end in ["\n", "\r\n", "\r"] {
            let text = "[" + end + "{\"a\": [1, {\"b\": \"]\"}]}," + end + end + "  {}" + end + "]"
            let elements = try JSONArrayElements(Array(text.utf8)).elements
            XCTAssertEqual(elements.map(\.line), [2, 4], "line end \(end.debugDescription)")
            XCTAssertEqual(elements.map { String(decoding: Array(text.utf8)[$0.range], as: UTF8.self) }, [#"{"a": [1, {"b": "]"}]}"#, "{}"])
        }
    }
}
