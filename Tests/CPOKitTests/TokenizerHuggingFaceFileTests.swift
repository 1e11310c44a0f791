import XCTest
@testable import CPOKit

/// `tokenizer.json` files: GPT-2 written as one, folders, and files that must be refused.
final class TokenizerHuggingFaceFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TokenizerFixtures.temporaryFolder()
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    /// A small byte-free BPE: "a", "b", "ab", "é" (precomposed), "é" (e + combining acute), "e",
    /// "\u{301}", "</s>"; merges "a b" and "e \u{301}".
    private func writeTokenizer(vocabulary: String? = nil, merges: String = #"["a b", "e \u0301"]"#, normalizer: String = "null",
                                addedTokens: String = #"[{"id": 7, "content": "</s>", "special": true, "normalized": false}]"#,
                                postProcessor: String = "null") throws {
        let vocabulary = vocabulary ?? #"{"a": 0, "b": 1, "ab": 2, "\u00e9": 3, "e\u0301": 4, "e": 5, "\u0301": 6, "</s>": 7}"#
        let json = """
            {"version": "1.0", "added_tokens": \(addedTokens), "normalizer": \(normalizer), "pre_tokenizer": null,
             "post_processor": \(postProcessor), "decoder": null,
             "model": {"type": "BPE", "unk_token": null, "fuse_unk": false, "byte_fallback": false, "vocab": \(vocabulary), "merges": \(merges)}}
            """
        try Data(json.utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
    }

    private func assertRefused(field: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder), file: file, line: line) { error in
            guard case let .malformedTokenizerFile(path, errorField, message) = error as? TokenizerError else {
                return XCTFail("unexpected error \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, self.folder.appendingPathComponent("tokenizer.json").path, file: file, line: line)
            XCTAssertEqual(errorField, field, file: file, line: line)
            XCTAssertTrue(message.contains(reason), message, file: file, line: line)
        }
    }

    /// GPT-2's own files written as the `tokenizer.json` `tokenizers` makes of them.
    static func writeGPT2TokenizerJSON(to folder: URL) throws {
        let source = TokenizerFixtures.gpt2Folder
        let vocabulary = try String(contentsOf: source.appendingPathComponent("vocab.json"), encoding: .utf8)
        let merges = try String(contentsOf: source.appendingPathComponent("merges.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#version") }
            .map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let byteLevel = #"{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}"#
        let json = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true}],
             "normalizer": null, "pre_tokenizer": \(byteLevel), "post_processor": \(byteLevel), "decoder": \(byteLevel),
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                       "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                       "vocab": \(vocabulary), "merges": [\(merges.joined(separator: ","))]}}
            """
        try Data(json.utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
        try Data(#"{"eos_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer"}"#.utf8)
            .write(to: folder.appendingPathComponent(TokenizerFolder.configFileName))
    }

    func testGPT2ThroughTokenizerJSONGivesTheIDsOfVocabAndMerges() throws {
        try Self.writeGPT2TokenizerJSON(to: folder)
        let viaJSON = try XCTUnwrap(try TokenizerFolder.load(from: folder) as? HuggingFaceTokenizer)
        let viaFiles = try TokenizerFixtures.gpt2.get()
        XCTAssertEqual(viaJSON.vocabularySize, viaFiles.vocabularySize)
        XCTAssertEqual(viaJSON.endOfText, viaFiles.endOfText)
        XCTAssertEqual(viaJSON.sequencePrefix, [])
        struct Cases: Decodable { struct Case: Decodable { let text: String }; let cases: [Case] }
        let reference = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: TokenizerFixtures.folder.appendingPathComponent("gpt2-tokenizer.json")))
            .cases.map(\.text).filter { !$0.contains(GPT2Tokenizer.endOfTextToken) }
        let samples = reference + TokenizerFixtures.randomUnicodeStrings(count: 200, seed: 11)
            + ["Who wrote \"Hamlet\"?\n\nResponse:  Shakespeare, in 1600 or so.\n", "  spaces   and\ttabs\r\n", "naïve café 中文 🙂"]
        for text in samples {
            XCTAssertEqual(viaJSON.encode(text), viaFiles.encode(text), text.debugDescription)
            XCTAssertEqual(viaJSON.decode(viaJSON.encode(text)), viaFiles.decode(viaFiles.encode(text)), text.debugDescription)
        }
        // Only here do the two differ: tokenizer.json's added tokens are matched in text.
        XCTAssertEqual(viaJSON.encode("a<|endoftext|>"), [64, 50256])
    }

    func testCanonicallyEquivalentKeysStayDistinctTokens() throws {
        try writeTokenizer()
        let tokenizer = try TokenizerFolder.load(from: folder)
        XCTAssertEqual(tokenizer.encode("\u{e9}"), [3])
        XCTAssertEqual(tokenizer.encode("e\u{301}"), [4])
        XCTAssertEqual(tokenizer.encode("ab"), [2])
        XCTAssertEqual(tokenizer.decode([3, 4], keepingSpecialTokens: true).unicodeScalars.map(\.value), [0xE9, 0x20, 0x65, 0x301])
        XCTAssertEqual(tokenizer.endOfText, 7)
    }

    func testUnknownComponentIsNamed() throws {
        try writeTokenizer(normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}"#)
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedComponent(file: self.folder.appendingPathComponent("tokenizer.json").path,
                                                                          field: "normalizer.normalizers[1]", type: "Lowercase"))
            XCTAssertTrue("\(error)".contains("normalizer.normalizers[1]: unsupported type 'Lowercase'"), "\(error)")
        }
    }

    func testMalformedMergesAreNamed() throws {
        let cases: [(merges: String, reason: String)] = [
            (#"["a b", "a b c"]"#, "expected two tokens"), (#"["a b", ["a"]]"#, "expected two tokens"),
            (#"["a b", "a q"]"#, "'q' is not in the vocabulary"), (#"["a b", "b a"]"#, "merged token 'ba'"),
            (#"["a b", 3]"#, "is neither"),
        ]
        for (merges, reason) in cases {
            try writeTokenizer(merges: merges)
            assertRefused(field: "model.merges[1]", reason)
        }
        try writeTokenizer(merges: #"[["a", "b"]]"#)
        XCTAssertEqual(try TokenizerFolder.load(from: folder).encode("ab"), [2], "merges as pairs")
    }

    func testAddedTokenNotInTheVocabulary() throws {
        // Hugging Face numbers it after the vocabulary: a file saying so is read as written.
        try writeTokenizer(addedTokens: #"[{"id": 7, "content": "</s>", "special": true}, {"id": 8, "content": "<pad>", "special": true}]"#)
        let tokenizer = try TokenizerFolder.load(from: folder)
        XCTAssertEqual(tokenizer.vocabularySize, 9)
        XCTAssertEqual(tokenizer.encode("a<pad>b"), [0, 8, 1])
        XCTAssertEqual(tokenizer.decode([0, 8, 1], keepingSpecialTokens: true), "a <pad> b", "no decoder: tokens joined by spaces")
        // Any other id would be silently renumbered by Hugging Face: refused.
        try writeTokenizer(addedTokens: #"[{"id": 7, "content": "</s>", "special": true}, {"id": 2, "content": "<pad>", "special": true}]"#)
        assertRefused(field: "added_tokens[1]", "'<pad>' has id 2, which is the vocabulary's 'ab', but Hugging Face would give it id 8")
        try writeTokenizer(addedTokens: #"[{"id": 20, "content": "<pad>", "special": true}]"#)
        assertRefused(field: "added_tokens[0]", "'<pad>' has id 20, but Hugging Face would give it id 8")
    }

    func testOtherMalformedFilesAreNamed() throws {
        try writeTokenizer(vocabulary: #"{"a": 0, "a": 1}"#, merges: "[]", addedTokens: "[]")
        assertRefused(field: "model.vocab", "'a' is listed twice")
        try writeTokenizer(vocabulary: #"{"a": 0, "b": 0}"#, merges: "[]", addedTokens: "[]")
        assertRefused(field: "model.vocab", "id 0 belongs to both 'a' and 'b'")
        try writeTokenizer(addedTokens: "[]")
        try Data("{\"eos_token\": \"<none>\"}".utf8).write(to: folder.appendingPathComponent(TokenizerFolder.configFileName))
        XCTAssertThrowsError(try TokenizerFolder.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer_config.json: eos_token: '<none>' is not a token"), "\(error)")
        }
        try Data("{\"model\": ".utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
        assertRefused(field: "(file)", "not JSON: line 1: unexpected end of file")
    }

    /// Ids are rows of a table of every id up to the largest: one huge id must be refused before
    /// that table is made (the fuzzer's id 207777777 took 4 GB, Int32.max would take 34 GB).
    func testAnIdPastTheLargestVocabularyIsRefusedBeforeAnythingIsAllocated() throws {
        let limit = HuggingFaceTokenizer.maximumVocabularySize
        for id in [limit, Int(Int32.max) - 1] {
            try writeTokenizer(vocabulary: #"{"a": 0, "b": 1, "</s>": \#(id)}"#, merges: "[]", addedTokens: "[]")
            assertRefused(field: "model.vocab", "the id of '</s>' is \(id), above \(limit - 1), the largest id read")
        }
        // Holes below the limit are read as before: a token the file does not name decodes to nothing.
        try writeTokenizer(vocabulary: #"{"a": 0, "b": 1, "</s>": 9}"#, merges: "[]", addedTokens: "[]")
        let tokenizer = try TokenizerFolder.load(from: folder)
        XCTAssertEqual(tokenizer.vocabularySize, 10)
        XCTAssertEqual(tokenizer.decode([0, 5, 1]), "a b")
    }

    /// The ids a TemplateProcessing adds are the model's rows too: each must be in the vocabulary (the
    /// fuzzer's -1 reached the encoded sequence, and an id past Int32 crashed the reader).
    func testTemplateIdsOutsideTheVocabularyAreRefused() throws {
        func template(_ id: String) -> String {
            #"{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "#
                + #""special_tokens": {"</s>": {"id": "</s>", "ids": [\#(id)], "tokens": ["</s>"]}}}"#
        }
        try writeTokenizer(postProcessor: template("7"))
        XCTAssertEqual(try TokenizerFolder.load(from: folder).withSpecialTokens([0]), [7, 0])
        for id in ["-1", "8", "3000000000"] {
            try writeTokenizer(postProcessor: template(id))
            assertRefused(field: "post_processor.special_tokens.</s>.ids", "id \(id) is not in the vocabulary (ids 0...7)")
        }
    }

    func testFolderPrefersTokenizerJSONAndSavesItForTransformers() throws {
        try TokenizerFixtures.tiny().save(to: folder)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(name), ifExists: true)
            try FileManager.default.copyItem(at: TokenizerHuggingFaceTests.folder("bytelevel-llama3-style").appendingPathComponent(name),
                                             to: folder.appendingPathComponent(name))
        }
        let loaded = try TokenizerFolder.load(from: folder)
        XCTAssertTrue(loaded is HuggingFaceTokenizer, "tokenizer.json wins over vocab.json + merges.txt")
        let saved = folder.appendingPathComponent("saved")
        try loaded.save(to: saved)
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            XCTAssertEqual(try Data(contentsOf: saved.appendingPathComponent(name)),
                           try Data(contentsOf: folder.appendingPathComponent(name)), "\(name) is copied unchanged")
        }
        XCTAssertEqual(try TokenizerFolder.load(from: saved).encode("hello world"), [259, 1118, 80, 274, 282, 460])
    }
}

private extension FileManager {
    func removeItem(at url: URL, ifExists: Bool) throws {
        if fileExists(atPath: url.path) { try removeItem(at: url) }
    }
}
