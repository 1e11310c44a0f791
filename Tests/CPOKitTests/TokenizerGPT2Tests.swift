import XCTest
@testable import CPOKit

/// The tokenizers the tests share: GPT-2's real one from the fixtures (loaded once; it is slow in a
/// debug build) and a tiny one whose merges the tests can reason about.
enum TokenizerFixtures {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static let gpt2Folder = folder.appendingPathComponent("gpt2-tokenizer")
    static let gpt2 = Result { try GPT2Tokenizer(folder: gpt2Folder) }

    /// Bytes 0–255, then "Ġt", "he", "Ġthe", "<|endoftext|>" (ids 256–259).
    static func tiny() -> GPT2Tokenizer {
        let tokens = ByteLevelAlphabet.scalarForByte.map { String($0) } + ["Ġt", "he", "Ġthe", GPT2Tokenizer.endOfTextToken]
        let id = { (token: String) in Int32(tokens.firstIndex(of: token)!) }
        let rules = [("Ġ", "t"), ("h", "e"), ("Ġt", "he")].map { MergeRule(left: id($0.0), right: id($0.1), merged: id($0.0 + $0.1)) }
        return GPT2Tokenizer(tokens: tokens, mergeRules: rules)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Strings drawn from ASCII, whitespace of several kinds, apostrophes, Latin-1, combining marks,
    /// CJK, emoji and any other valid scalar.
    static func randomUnicodeStrings(count: Int, seed: UInt64) -> [String] {
        let pools: [[ClosedRange<UInt32>]] = [
            [0x20...0x7E], [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x2000...0x200A, 0x3000...0x3000],
            [0x27...0x27, 0x73...0x74, 0x6C...0x6C], [0xA1...0xFF], [0x300...0x36F],
            [0x4E00...0x9FFF], [0x1F300...0x1FAFF, 0x200D...0x200D], [0x1...0xD7FF, 0xE000...0x10FFFF],
        ]
        return (0..<count).map { example in
            var random = CounterRandom(seed: seed, domain: .synthesis, example: example)
            let length = Int.random(in: 0...40, using: &random)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                let ranges = pools.randomElement(using: &random)!
                let range = ranges.randomElement(using: &random)!
                scalars.append(Unicode.Scalar(UInt32.random(in: range, using: &random))!)
            }
            return String(scalars)
        }
    }
}

final class TokenizerGPT2Tests: XCTestCase {
    private struct ReferenceCases: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let cases: [Case]
    }

    private func referenceCases() throws -> [ReferenceCases.Case] {
        let data = try Data(contentsOf: TokenizerFixtures.folder.appendingPathComponent("gpt2-tokenizer.json"))
        return try JSONDecoder().decode(ReferenceCases.self, from: data).cases
    }

    func testEncodesReferenceCasesExactly() throws {
        let tokenizer = try TokenizerFixtures.gpt2.get()
        let cases = try referenceCases()
        XCTAssertGreaterThan(cases.count, 10)
        for reference in cases {
            XCTAssertEqual(tokenizer.encode(reference.text), reference.ids, "text: \(reference.text.debugDescription)")
        }
    }

    func testVocabularyAndEndOfText() throws {
        let tokenizer = try TokenizerFixtures.gpt2.get()
        XCTAssertEqual(tokenizer.vocabularySize, 50257)
        XCTAssertEqual(tokenizer.endOfText, 50256)
        XCTAssertFalse(tokenizer.encode("a <|endoftext|> b").contains(tokenizer.endOfText))
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("end") + [tokenizer.endOfText]), "end")
    }

    func testDecodeInvertsEncode() throws {
        let tokenizer = try TokenizerFixtures.gpt2.get()
        let texts = try referenceCases().map(\.text) + TokenizerFixtures.randomUnicodeStrings(count: 200, seed: 7)
        for text in texts {
            let ids = tokenizer.encode(text)
            XCTAssertTrue(ids.allSatisfy { (0..<Int32(tokenizer.vocabularySize)).contains($0) })
            XCTAssertEqual(tokenizer.decode(ids), text, "text: \(text.debugDescription)")
        }
    }

    func testCachedEncodingMatchesUncachedEncoding() throws {
        let warm = try TokenizerFixtures.gpt2.get()
        let texts = TokenizerFixtures.randomUnicodeStrings(count: 50, seed: 11).map { $0 + " the the" }
        let warmIds = texts.map(warm.encode) + texts.map(warm.encode)
        let cold = GPT2Tokenizer(tokens: warm.tokens, mergeRules: warm.mergeRules)
        XCTAssertEqual(texts.map(cold.encode) + texts.map(cold.encode), warmIds)
    }

    func testMergesByRankOnTinyVocabulary() {
        let tokenizer = TokenizerFixtures.tiny()
        XCTAssertEqual(tokenizer.encode(" the"), [258])
        XCTAssertEqual(tokenizer.encode("the"), [Int32(UInt8(ascii: "t")), 257])
        XCTAssertEqual(tokenizer.endOfText, 259)
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(" the then")), " the then")
    }

    func testPreTokenizerSplitsLikeGPT2Pattern() {
        let expectations: [(String, [String])] = [
            ("Hello world", ["Hello", " world"]),
            ("a  b", ["a", " ", " b"]),
            ("x\n y", ["x", "\n", " y"]),
            ("end   ", ["end", "   "]),
            ("isn't they're I'll 'S", ["isn", "'t", " they", "'re", " I", "'ll", " '", "S"]),
            ("it?'s", ["it", "?'", "s"]),
            ("abc123 45!!", ["abc", "123", " 45", "!!"]),
            ("a\t\tb", ["a", "\t", "\t", "b"]),
            ("日本語 ok", ["日本語", " ok"]),
            ("\u{00A0}x", ["\u{00A0}", "x"]),
            ("", []),
        ]
        for (text, expected) in expectations {
            let bytes = Array(text.utf8)
            let pieces = GPT2PreTokenizer.pieces(of: text).map { String(decoding: bytes[$0], as: UTF8.self) }
            XCTAssertEqual(pieces, expected, "text: \(text.debugDescription)")
        }
    }

    func testPreTokenizerPiecesCoverText() {
        for text in TokenizerFixtures.randomUnicodeStrings(count: 200, seed: 3) {
            let pieces = GPT2PreTokenizer.pieces(of: text)
            XCTAssertEqual(pieces.first?.lowerBound ?? 0, 0)
            XCTAssertEqual(pieces.last?.upperBound ?? 0, text.utf8.count)
            XCTAssertTrue(zip(pieces, pieces.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
        }
    }
}
