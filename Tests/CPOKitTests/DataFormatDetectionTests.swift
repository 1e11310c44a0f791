import Foundation
import XCTest
@testable import CPOKit

/// `--data` is read by what its content is, not by its name (issue 14, item 3): JSONL, a JSON array
/// of records, or plain text, and `--data-format` overrides.
final class DataFormatDetectionTests: XCTestCase {
    private let tokenizer = ByteTokenizer()
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("formats-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func write(_ text: String, to name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    private func read(_ text: String, named name: String, as format: DataFormat? = nil, seqLen: Int = 8) throws -> DataFile {
        try DataFile(write(text, to: name), format: format, tokenizer: tokenizer, seqLen: seqLen)
    }

    private func instructions(_ file: DataFile) -> [InstructionExample] {
        guard case let .instructions(examples) = file.set else { XCTFail("\(file.path) was not read as instructions"); return [] }
        return examples
    }

    private let jsonl = #"{"prompt": "p1", "response": "r1"}"# + "\n" + #"{"prompt": "p2", "response": "r2"}"# + "\n"

    func testJSONLIsJSONLWhateverItsName() throws {
        for name in ["train.jsonl", "train.json", "train.txt", "train"] {
            let file = try read(jsonl, named: name)
            XCTAssertEqual(file.format, .jsonl, name)
            XCTAssertEqual(file.detection?.evidence, "the first character is '{'", name)
            XCTAssertEqual(instructions(file).map(\.text?.response), ["r1", "r2"], name)
        }
    }

    func testAlpacaArrayIsReadAsRecordsWithInputAsContext() throws {
        let alpaca = """
            [
                {
                    "instruction": "Give three tips for staying healthy.",
                    "input": "",
                    "output": "Eat well."
                },
                {
                    "instruction": "Translate.",
                    "input": "bonjour",
                    "output": "hello"
                }
            ]
            """
        let file = try read(alpaca, named: "alpaca_data.json")
        XCTAssertEqual(file.format, .jsonArray)
        XCTAssertEqual(file.detection?.evidence, "it opens with '[{'")
        let examples = instructions(file)
        XCTAssertEqual(examples.map(\.text), [
            InstructionText(instruction: "Give three tips for staying healthy.", response: "Eat well."),
            InstructionText(instruction: "Translate.", context: "bonjour", response: "hello"),
        ])
        XCTAssertEqual(examples[1].promptIDs, tokenizer.encode(PromptTemplate.render(instruction: "Translate.", context: "bonjour")))
        XCTAssertEqual(examples[1].responseIDs, tokenizer.encode("hello") + [tokenizer.endOfText])
        XCTAssertEqual(examples.map(\.line), [2, 7], "each example's line is where its element starts")
    }

    func testAnArrayIsAnArrayWhateverItsName() throws {
        let file = try read(#"  [{"prompt": "p", "response": "r"}]"#, named: "data.jsonl")
        XCTAssertEqual(file.format, .jsonArray)
        XCTAssertEqual(instructions(file).count, 1)
    }

    func testTextIsTextAndABracketThatOpensNoObjectIsText() throws {
        for (text, first) in [("Once upon a time there was a fox.", "'O'"), ("[Verse 1]\nla la la la la la", "'['"), ("\n\n  — dash first, then text", "'—'")] {
            let file = try read(text, named: "story.txt")
            XCTAssertEqual(file.format, .text, text)
            XCTAssertEqual(file.detection?.evidence, "the first character, \(first), opens neither JSONL nor a JSON array of objects", text)
            guard case let .text(packed) = file.set else { return XCTFail("\(text) was not packed") }
            XCTAssertEqual(packed.windowLength, 8)
        }
    }

    func testFormatGivenOverridesTheContent() throws {
        let asText = try read(jsonl, named: "train.jsonl", as: .text)
        XCTAssertEqual(asText.format, .text)
        XCTAssertNil(asText.detection)
        guard case let .text(packed) = asText.set else { return XCTFail("not packed") }
        XCTAssertEqual(packed.tokens.prefix(jsonl.utf8.count - 1), ArraySlice(tokenizer.encode(String(jsonl.dropLast()))))

        XCTAssertEqual(try instructions(read(jsonl, named: "train.txt", as: .jsonl)).count, 2)
        XCTAssertThrowsError(try read(jsonl, named: "train.jsonl", as: .jsonArray)) { error in
            XCTAssertEqual("\(error)", "\(self.folder.appendingPathComponent("train.jsonl").path):1: not a JSON array: it does not start with '['")
        }
    }

    func testAFileNamedJSONThatHoldsNoJSONIsAnErrorNotText() throws {
        let url = try write("\nhello there\n", to: "notes.json")
        XCTAssertThrowsError(try DataFile(url, format: nil, tokenizer: tokenizer, seqLen: 8)) { error in
            XCTAssertEqual("\(error)", "\(url.path):2: named .json, but it starts with 'h', which opens neither JSONL ('{') nor a JSON array "
                           + "of objects ('[{'); --data-format text reads it as plain text")
        }
        XCTAssertEqual(try DataFile(url, format: .text, tokenizer: tokenizer, seqLen: 4).format, .text)
    }

    func testAFirstLineThatIsNoJSONObjectSaysWhyTheFileWasTakenForJSONL() throws {
        let brace = try write("{ braces open this text\nand more text\n", to: "notes.txt")
        XCTAssertThrowsError(try DataFile(brace, format: nil, tokenizer: tokenizer, seqLen: 8)) { error in
            XCTAssertEqual("\(error)", "\(brace.path):1: not valid JSON (read as JSONL because the first character is '{'; "
                           + "--data-format text reads plain text)")
        }
        let object = try write("{\n  \"train\": [{\"prompt\": \"p\", \"response\": \"r\"}]\n}\n", to: "wrapped.json")
        XCTAssertThrowsError(try DataFile(object, format: nil, tokenizer: tokenizer, seqLen: 8)) { error in
            XCTAssertEqual("\(error)", "\(object.path):1: the file is one JSON object; --data takes JSONL (one object a line) or a JSON array of objects")
        }
        // A first line that is a record at fault is the record's fault, not the format's.
        let record = try write(#"{"prompt": "p"}"# + "\n", to: "train.jsonl")
        XCTAssertThrowsError(try DataFile(record, format: nil, tokenizer: tokenizer, seqLen: 8)) { error in
            XCTAssertEqual("\(error)", "\(record.path):1: missing field 'response'")
        }
    }

    func testByteOrderMarkAndEmptyFiles() throws {
        let marked = try read("\u{FEFF}" + jsonl, named: "marked.jsonl")
        XCTAssertEqual(marked.format, .jsonl)
        XCTAssertEqual(instructions(marked).count, 2)
        for (text, name) in [("", "empty.jsonl"), (" \n\n", "blank.txt"), ("[ ]", "none.json")] {
            let url = try write(text, to: name)
            XCTAssertThrowsError(try DataFile(url, format: nil, tokenizer: tokenizer, seqLen: 8), name) { error in
                XCTAssertEqual(error as? DataError, .noExamples(file: url.path), name)
            }
        }
    }
}
