import Foundation
import XCTest
@testable import CPOKit

final class DataPackedTextTests: XCTestCase {
    private let tokenizer = ByteTokenizer()

    private func packed(_ text: String, windowLength: Int) throws -> PackedText {
        try PackedText(text: text, file: "corpus.txt", tokenizer: tokenizer, windowLength: windowLength)
    }

    func testSeparatorEndsDocumentsAndBlankLinesDoNot() throws {
        let text = "ab\n<|endoftext|>\ncd\n\n\nef<|endoftext|>\n  \n<|endoftext|>gh\n"
        let eos = tokenizer.endOfText
        let expected = tokenizer.encode("ab") + [eos] + tokenizer.encode("cd\n\n\nef") + [eos] + tokenizer.encode("gh") + [eos]
        XCTAssertEqual(try packed(text, windowLength: 2).tokens, expected)
    }

    func testTextWithoutSeparatorIsOneDocument() throws {
        let text = "First Citizen:\nSpeak.\n\nAll:\nSpeak, speak.\n"
        XCTAssertEqual(try packed(text, windowLength: 4).tokens,
                       tokenizer.encode("First Citizen:\nSpeak.\n\nAll:\nSpeak, speak.") + [tokenizer.endOfText])
    }

    func testWindowsShareOneTokenSoEveryTokenButTheFirstIsATargetOnce() throws {
        let text = try packed(String(repeating: "abcdefg", count: 5), windowLength: 8)
        XCTAssertEqual(text.tokens.count, 36)
        XCTAssertEqual(text.windowCount, 4)
        for index in 0..<text.windowCount {
            XCTAssertEqual(text.window(index).count, 9)
        }
        let batch = try text.batch(windows: Array(0..<text.windowCount))
        XCTAssertEqual(batch.rows, 4)
        XCTAssertEqual(batch.length, 8)
        XCTAssertEqual(batch.targetCount, 32)
        XCTAssertEqual(batch.targets, Array(text.tokens[1...32]))
        XCTAssertEqual(batch.inputs, Array(text.tokens[0..<32]))
    }

    func testTooShortTextAndZeroWindowAreErrors() {
        XCTAssertThrowsError(try packed("abc", windowLength: 4)) { error in
            XCTAssertEqual(error as? DataError, .textTooShort(file: "corpus.txt", tokens: 4, needed: 5))
        }
        XCTAssertThrowsError(try packed("<|endoftext|>\n\n<|endoftext|>", windowLength: 1)) { error in
            XCTAssertEqual(error as? DataError, .textTooShort(file: "corpus.txt", tokens: 0, needed: 2))
        }
        XCTAssertThrowsError(try packed("abcdef", windowLength: 0)) { error in
            guard case .invalidSetting = error as? DataError else { return XCTFail("unexpected error \(error)") }
        }
    }

    func testLoadsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("packed-\(UUID()).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("one story\n<|endoftext|>\nanother story\n".utf8).write(to: url)
        let file = try DataFile(url, format: .text, tokenizer: tokenizer, seqLen: 4)
        guard case let .text(text) = file.set else { return XCTFail("not read as text: \(file.set)") }
        XCTAssertEqual(text.file, url.path)
        XCTAssertEqual(text.tokens.count, 9 + 1 + 13 + 1)
        XCTAssertEqual(text.windowLength, 4)
        let missing = url.appendingPathExtension("missing")
        XCTAssertThrowsError(try DataFile(missing, format: .text, tokenizer: tokenizer, seqLen: 4)) { error in
            guard case let .unreadable(file, _) = error as? DataError else { return XCTFail("unexpected error \(error)") }
            XCTAssertEqual(file, missing.path)
        }
    }
}
