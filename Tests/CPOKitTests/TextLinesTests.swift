import XCTest
@testable import CPOKit

/// Line ends "\n", "\r\n" and a lone "\r" in every line-based reader: the same lines, numbered
/// the same way, whichever convention wrote the file.
final class TextLinesTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("text-lines-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// `lines` joined by each of the three line ends.
    private func variants(_ lines: [String], final: Bool = true) -> [(name: String, data: Data)] {
        [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")].map { name, end in
            (name, Data((lines.joined(separator: end) + (final ? end : "")).utf8))
        }
    }

    func testSplitsAtEachLineEndAndNumbersLikeAnEditor() {
        let text = Data("a\nb\r\nc\rd\r\r\ne".utf8)
        let lines = TextLines.lines(of: text)
        XCTAssertEqual(lines.map { String(decoding: TextLines.bytes(of: $0, in: text), as: UTF8.self) }, ["a", "b", "c", "d", "", "e"])
        XCTAssertEqual(lines.map(\.number), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(lines.map(\.isTerminated), [true, true, true, true, true, false])
        XCTAssertEqual(TextLines.lines(of: Data("x\r\n".utf8)).count, 1, "a final line end starts no line")
        XCTAssertEqual(TextLines.lines(of: Data()).count, 0)
        // A slice keeps its own offsets.
        let slice = Data("--a\r\nb".utf8).dropFirst(2)
        XCTAssertEqual(TextLines.lines(of: slice).map { Array(TextLines.bytes(of: $0, in: slice)) }, [[0x61], [0x62]])
        for (offset, line) in [(0, 1), (1, 1), (2, 2), (3, 2), (4, 2), (5, 3), (7, 4), (8, 4), (9, 5), (10, 5), (11, 6), (99, 6)] {
            XCTAssertEqual(TextLines.number(atByte: offset, in: text), line, "byte \(offset)")
        }
    }

    func testInstructionFileReadsEveryLineEnd() throws {
        let line = #"{"prompt": "p", "response": "r"}"#
        for (name, data) in variants(["", line, " ", line]) {
            let examples = try InstructionFile.parse(data, file: "d.jsonl", tokenizer: ByteTokenizer())
            XCTAssertEqual(examples.map(\.line), [2, 4], name)
        }
        for (name, data) in variants([line, "", #"{"prompt": "p"}"#]) {
            XCTAssertThrowsError(try InstructionFile.parse(data, file: "d.jsonl", tokenizer: ByteTokenizer()), name) { error in
                XCTAssertEqual("\(error)", "d.jsonl:3: missing field 'response'", name)
            }
        }
    }

    func testMetricsOfAReportReadEveryLineEnd() throws {
        for (name, data) in variants([#"{"step": 1, "loss": 2}"#, "", #"{"step": 2, "loss": 1}"#]) {
            XCTAssertEqual(try RunMetrics.parse(data, file: "m.jsonl").loss.map(\.step), [1, 2], name)
        }
        for (name, data) in variants([#"{"step": 1, "loss": 2}"#, "", #"{"step": "x"}"#]) {
            XCTAssertThrowsError(try RunMetrics.parse(data, file: "m.jsonl"), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("m.jsonl:3: "), "\(name): \(error)")
            }
        }
    }

    func testTokenizeRecordsReadEveryLineEnd() throws {
        for (name, data) in variants([#"{"text": "ab"}"#, "", #"{"ids": [97]}"#]) {
            let lines = try TokenizationRecords.process(String(decoding: data, as: UTF8.self), file: "t.jsonl", tokenizer: ByteTokenizer())
            XCTAssertEqual(lines, [#"{"text": "ab", "ids": [97, 98], "ids_with_specials": [97, 98]}"#, #"{"ids": [97], "text": "a"}"#], name)
        }
        for (name, data) in variants([#"{"text": "ab"}"#, "", "{}"]) {
            XCTAssertThrowsError(try TokenizationRecords.process(String(decoding: data, as: UTF8.self), file: "t.jsonl",
                                                                  tokenizer: ByteTokenizer()), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("t.jsonl:3: "), "\(name): \(error)")
            }
        }
    }

    func testGPT2MergesReadEveryLineEnd() throws {
        let fixture = TokenizerFixtures.gpt2Folder
        let reference = try TokenizerFixtures.gpt2.get()
        let merges = try String(contentsOf: fixture.appendingPathComponent(GPT2Tokenizer.mergesFileName), encoding: .utf8)
        let lines = merges.split(separator: "\n").map(String.init)
        // GPT-2's vocabulary with `merges` as merges.txt.
        func tokenizerFolder(_ name: String, merges: Data) throws -> URL {
            let copy = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(GPT2Tokenizer.vocabularyFileName),
                                             to: copy.appendingPathComponent(GPT2Tokenizer.vocabularyFileName))
            try merges.write(to: copy.appendingPathComponent(GPT2Tokenizer.mergesFileName))
            return copy
        }
        for (name, data) in variants(lines, final: false) {
            XCTAssertEqual(try GPT2Tokenizer(folder: tokenizerFolder(name, merges: data)).mergeRules, reference.mergeRules, name)
        }
        for (name, data) in variants(["#version: 0.2", "Ġ t", "Ġt"]) {
            XCTAssertThrowsError(try GPT2Tokenizer(folder: tokenizerFolder("bad-\(name)", merges: data)), name) { error in
                XCTAssertTrue("\(error)".contains("merges.txt:3:"), "\(name): \(error)")
            }
        }
    }

    func testJSONSyntaxErrorsNameTheLineWhateverTheLineEnds() throws {
        for (name, data) in variants(["{", #"  "model": {"#, #"    "type": BPE"#, "  }", "}"]) {
            XCTAssertThrowsError(try TokenizerJSON.parse(Array(data)), name) { error in
                XCTAssertEqual((error as? TokenizerJSON.SyntaxError)?.line, 3, "\(name): \(error)")
            }
        }
    }
}
