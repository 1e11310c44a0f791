import XCTest
@testable import CPOKit

final class TokenizerFolderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TokenizerFixtures.temporaryFolder()
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    func testGPT2SaveThenLoadKeepsVocabularyAndMerges() throws {
        let original = try TokenizerFixtures.gpt2.get()
        try original.save(to: folder)
        for file in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), file)
        }
        let loaded = try XCTUnwrap(try TokenizerFolder.load(from: folder) as? GPT2Tokenizer)
        XCTAssertEqual(loaded.tokens, original.tokens)
        XCTAssertEqual(loaded.mergeRules, original.mergeRules)
        XCTAssertEqual(loaded.endOfText, original.endOfText)
        let text = "Instruction:\nWho wrote \"Hamlet\"?\n\nResponse: Shakespeare."
        XCTAssertEqual(loaded.encode(text), original.encode(text))
    }

    func testSavedConfigNamesHuggingFaceClassAndSpecialTokens() throws {
        try TokenizerFixtures.tiny().save(to: folder)
        let config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent(TokenizerFolder.configFileName))) as? [String: Any]
        XCTAssertEqual(config?["tokenizer_class"] as? String, "GPT2Tokenizer")
        XCTAssertEqual(config?["eos_token"] as? String, "<|endoftext|>")
        XCTAssertNil(config?[TokenizerFolder.kindKey])
        let special = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("special_tokens_map.json"))) as? [String: String]
        XCTAssertEqual(special, ["bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"])
    }

    func testByteSaveThenLoad() throws {
        try ByteTokenizer().save(to: folder)
        let loaded = try TokenizerFolder.load(from: folder)
        XCTAssertTrue(loaded is ByteTokenizer)
        XCTAssertEqual(loaded.decode(loaded.encode("héllo")), "héllo")
    }

    func testResolvesCommandLineArgument() throws {
        XCTAssertTrue(try TokenizerFolder.resolve("byte") is ByteTokenizer)
        try TokenizerFixtures.tiny().save(to: folder)
        XCTAssertEqual(try TokenizerFolder.resolve(folder.path).encode(" the"), [258])
    }

    func testMalformedMergesLineIsNamed() throws {
        try TokenizerFixtures.tiny().save(to: folder)
        let merges = folder.appendingPathComponent(GPT2Tokenizer.mergesFileName)
        let cases: [(line: String, reason: String)] = [
            ("Ġ t h", "expected two tokens"), ("Ġ qq", "'qq' is not in the vocabulary"),
            ("h h", "merged token 'hh'"), ("", "expected two tokens"),
        ]
        for (line, reason) in cases {
            try Data("#version: 0.2\nĠ t\nh e\n\(line)\nĠt he\n".utf8).write(to: merges)
            XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
                guard case let .malformedMerges(file, lineNumber, message) = error as? TokenizerError else {
                    return XCTFail("unexpected error \(error)")
                }
                XCTAssertEqual(file, merges.path)
                XCTAssertEqual(lineNumber, 4, "line: \(line)")
                XCTAssertTrue(message.contains(reason), message)
                XCTAssertTrue("\(error)".contains("merges.txt:4"))
            }
        }
    }

    func testMalformedVocabularyIsNamed() throws {
        try TokenizerFixtures.tiny().save(to: folder)
        let vocabulary = folder.appendingPathComponent(GPT2Tokenizer.vocabularyFileName)
        for content in ["[1, 2]", "{\"a\": 0, \"b\": 0}", "{\"a\": \"zero\"}", "{\"a\": 0}", "{\"a\": 5}", "not json"] {
            try Data(content.utf8).write(to: vocabulary)
            XCTAssertThrowsError(try TokenizerFolder.load(from: folder), content) { error in
                guard case let .malformedVocabulary(file, _) = error as? TokenizerError else {
                    return XCTFail("unexpected error \(error)")
                }
                XCTAssertEqual(file, vocabulary.path)
            }
        }
    }

    func testMissingFilesAreReported() throws {
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .notATokenizerFolder(folder: self.folder.path))
        }
        let absent = folder.appendingPathComponent("absent")
        XCTAssertThrowsError(try TokenizerFolder.resolve(absent.path)) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadable(file: absent.path, reason: "no such folder"))
        }
        try TokenizerFixtures.tiny().save(to: folder)
        let merges = folder.appendingPathComponent(GPT2Tokenizer.mergesFileName)
        try FileManager.default.removeItem(at: merges)
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .unreadable(file: merges.path, reason: "no such file"))
        }
    }

    func testUnknownKindInConfigIsRejected() throws {
        let config = folder.appendingPathComponent(TokenizerFolder.configFileName)
        try Data("{\"cpo_tokenizer\": \"sentencepiece\"}".utf8).write(to: config)
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
            guard case let .malformedConfig(file, reason) = error as? TokenizerError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(file, config.path)
            XCTAssertTrue(reason.contains("sentencepiece"))
        }
    }
}
