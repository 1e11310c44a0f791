import XCTest
@testable import CPOKit

/// `cpo tokenize` as a user runs it.
final class TokenizeCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TokenizerFixtures.temporaryFolder()
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func jsonLine(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func testReproducesEveryReferenceCase() throws {
        for style in TokenizerHuggingFaceTests.styles {
            let cases = try TokenizerHuggingFaceTests.cases(style)
            let lines = try cases.map { try jsonLine(["text": $0.text]) } + cases.map { try jsonLine(["ids": $0.ids.map(Int.init)]) }
            try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("in.jsonl"))
            let result = try CPOCommand.run(["tokenize", "--tokenizer", TokenizerHuggingFaceTests.folder(style).path,
                                             "--input", path("in.jsonl"), "--output", path("out.jsonl")])
            XCTAssertEqual(result.status, 0, result.output)
            let records = try String(contentsOfFile: path("out.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            XCTAssertEqual(records.count, 2 * cases.count)
            for (item, (encoded, decoded)) in zip(cases, zip(records, records.dropFirst(cases.count))) {
                XCTAssertEqual(encoded["ids"] as? [Int], item.ids.map(Int.init), "\(style): \(item.text.debugDescription)")
                XCTAssertEqual(encoded["ids_with_specials"] as? [Int], item.ids_with_specials.map(Int.init), "\(style): \(item.text.debugDescription)")
                XCTAssertEqual(decoded["text"] as? String, item.decoded, "\(style): \(item.text.debugDescription)")
            }
        }
    }

    func testLinesKeepTheirFieldsAndEveryScalar() throws {
        let tokenizer = try TokenizerFolder.load(from: TokenizerHuggingFaceTests.folder("bytelevel-llama3-style"))
        let text = "a\u{FEFF}\u{FEFF}b"
        let encoded = try TokenizerJSON.parse(Array(try TokenizationRecords.line(
            "{\"keep\": [1, {\"x\": \"}\"}], \"text\": \"\(text)\"}", tokenizer: tokenizer).utf8))
        XCTAssertEqual(encoded["keep"]?.array?.count, 2)
        let ids = try XCTUnwrap(encoded["ids"]?.array?.compactMap(\.integer))
        XCTAssertEqual(ids, tokenizer.encode(text).map(Int.init))
        XCTAssertEqual(ids.count, 8, "a, then three byte tokens per U+FEFF, then b")
        let decoded = try TokenizerJSON.parse(Array(try TokenizationRecords.line("{\"ids\": \(ids)}", tokenizer: tokenizer).utf8))
        XCTAssertEqual(decoded["text"]?.string.map { Array($0.unicodeScalars) }, Array(text.unicodeScalars))
    }

    func testAFullStandardOutputIsAnError() throws {
        let process = Process()
        process.executableURL = CPOCommand.binary
        process.arguments = ["tokenize", "--tokenizer", "byte", "--text", "hello"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, message)
        XCTAssertEqual(process.terminationStatus, 1, message)
        XCTAssertTrue(message.contains("standard output: cannot write: "), message)
    }

    func testTextOptionWritesOneLineToStandardOutput() throws {
        let result = try CPOCommand.run(["tokenize", "--tokenizer", TokenizerHuggingFaceTests.folder("sentencepiece-llama2-style").path,
                                         "--text", "hello"])
        XCTAssertEqual(result.status, 0, result.output)
        let record = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        XCTAssertEqual(record?["ids"] as? [Int], [360, 324, 1087, 331])
        XCTAssertEqual(record?["ids_with_specials"] as? [Int], [1, 360, 324, 1087, 331])
    }

    func testMalformedLinesAreNamedWithFileAndLine() throws {
        let tokenizer = TokenizerHuggingFaceTests.folder("bytelevel-llama3-style").path
        for (line, reason) in [(#"{"text": 3}"#, "\"text\" is not a string"), (#"{"ids": [1, "x"]}"#, "not an array of integers"),
                               (#"{"ids": [99999]}"#, "id 99999 is outside the vocabulary"), ("[1]", "not a JSON object"),
                               (#"{"other": 1}"#, "neither"), (#"{"text": "a", "ids": [1]}"#, "both")] {
            try Data("{\"text\": \"fine\"}\n\n\(line)\n".utf8).write(to: folder.appendingPathComponent("in.jsonl"))
            let result = try CPOCommand.run(["tokenize", "--tokenizer", tokenizer, "--input", path("in.jsonl")])
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains("\(path("in.jsonl")):3: \(reason)") || result.output.contains("in.jsonl:3:"), result.output)
            XCTAssertTrue(result.output.contains(reason), result.output)
        }
    }

    func testModelFolderWithoutTokenizerNamesTheFilesLookedFor() throws {
        let result = try CPOCommand.run(["tokenize", "--model", folder.path, "--text", "hi"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("looked for tokenizer.json, vocab.json and merges.txt"), result.output)
    }
}
