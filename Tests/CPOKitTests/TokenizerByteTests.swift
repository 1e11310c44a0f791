import XCTest
@testable import CPOKit

final class TokenizerByteTests: XCTestCase {
    func testRoundTripAndEndOfText() {
        let tokenizer = ByteTokenizer()
        for text in TokenizerFixtures.randomUnicodeStrings(count: 100, seed: 5) {
            let ids = tokenizer.encode(text)
            XCTAssertEqual(ids.count, text.utf8.count)
            XCTAssertEqual(tokenizer.decode(ids), text)
            XCTAssertFalse(ids.contains(tokenizer.endOfText))
            XCTAssertEqual(tokenizer.decode(ids + [tokenizer.endOfText]), text)
        }
        XCTAssertEqual(tokenizer.endOfText, 256)
        XCTAssertEqual(tokenizer.vocabularySize, 257)
    }

    func testInvalidUTF8DecodesToReplacementCharacter() {
        XCTAssertEqual(ByteTokenizer().decode([0x61, 0xFF, 0x62]), "a\u{FFFD}b")
    }
}
