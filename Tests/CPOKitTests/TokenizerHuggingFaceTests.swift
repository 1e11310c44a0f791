import XCTest
@testable import CPOKit

/// `tokenizer.json` tokenizers against what Hugging Face `tokenizers` produced for them.
final class TokenizerHuggingFaceTests: XCTestCase {
    struct ReferenceCases: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let ids_with_specials: [Int32]
            let decoded: String
        }
        let cases: [Case]
    }

    static let styles = ["bytelevel-llama3-style", "sentencepiece-llama2-style"]

    static func folder(_ style: String) -> URL {
        TokenizerFixtures.folder.appendingPathComponent("tokenizers").appendingPathComponent(style)
    }

    static func cases(_ style: String) throws -> [ReferenceCases.Case] {
        try JSONDecoder().decode(ReferenceCases.self, from: Data(contentsOf: folder(style).appendingPathComponent("cases.json"))).cases
    }

    func testReproducesEveryReferenceCase() throws {
        for style in Self.styles {
            let tokenizer = try TokenizerFolder.load(from: Self.folder(style))
            XCTAssertTrue(tokenizer is HuggingFaceTokenizer)
            for item in try Self.cases(style) {
                let ids = tokenizer.encode(item.text)
                XCTAssertEqual(ids, item.ids, "\(style): \(item.text.debugDescription)")
                XCTAssertEqual(tokenizer.withSpecialTokens(ids), item.ids_with_specials, "\(style): \(item.text.debugDescription)")
                XCTAssertEqual(tokenizer.decode(item.ids, keepingSpecialTokens: true), item.decoded, "\(style): \(item.text.debugDescription)")
            }
        }
    }

    func testBeginOfTextAndEndOfTextComeFromTheConfig() throws {
        let llama3 = try TokenizerFolder.load(from: Self.folder("bytelevel-llama3-style"))
        XCTAssertEqual(llama3.sequencePrefix, [0])
        XCTAssertEqual(llama3.endOfText, 1)
        XCTAssertEqual(llama3.encodePrompt("hello"), [0, 259, 1118, 80])
        let llama2 = try TokenizerFolder.load(from: Self.folder("sentencepiece-llama2-style"))
        XCTAssertEqual(llama2.sequencePrefix, [1])
        XCTAssertEqual(llama2.endOfText, 2)
        XCTAssertEqual(llama2.decode([1, 360, 317, 2]), "a", "special tokens are dropped unless kept")
    }
}
