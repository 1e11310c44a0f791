import Foundation

/// The files Hugging Face reads and writes for a GPT-2 tokenizer: `vocab.json` (token → id),
/// `merges.txt` (one merge rule a line, in rank order, after a `#version` header) and the metadata
/// `tokenizer_config.json` and `special_tokens_map.json`.
extension GPT2Tokenizer {
    public static let vocabularyFileName = "vocab.json"
    public static let mergesFileName = "merges.txt"
    public static let specialTokensFileName = "special_tokens_map.json"

    public init(folder: URL) throws {
        let vocabularyURL = folder.appendingPathComponent(Self.vocabularyFileName)
        let tokens = try Self.readVocabulary(vocabularyURL)
        let rules = try Self.readMerges(folder.appendingPathComponent(Self.mergesFileName), tokens: tokens)
        self.init(tokens: tokens, mergeRules: rules)
    }

    /// Writes the four files `transformers.AutoTokenizer.from_pretrained` needs; `vocab.json` is
    /// compact and in id order, like the files this project ships.
    public func save(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let vocabulary = "{" + tokens.enumerated().map { "\(TokenizerJSON.literal($0.element)):\($0.offset)" }.joined(separator: ",") + "}"
        let merges = (["#version: 0.2"] + mergeRules.map { "\(tokens[Int($0.left)]) \(tokens[Int($0.right)])" })
            .joined(separator: "\n") + "\n"
        let endOfTextToken = tokens[Int(endOfText)]
        let specialTokens = ["bos_token": endOfTextToken, "eos_token": endOfTextToken, "unk_token": endOfTextToken]
        var config: [String: Any] = specialTokens
        config["add_prefix_space"] = false
        config["tokenizer_class"] = "GPT2Tokenizer"

        try AtomicFile.write(Data(vocabulary.utf8), to: folder.appendingPathComponent(Self.vocabularyFileName))
        try AtomicFile.write(Data(merges.utf8), to: folder.appendingPathComponent(Self.mergesFileName))
        try AtomicFile.write(Self.json(specialTokens), to: folder.appendingPathComponent(Self.specialTokensFileName))
        try AtomicFile.write(Self.json(config), to: folder.appendingPathComponent(TokenizerFolder.configFileName))
    }

    /// Tokens indexed by id. Ids must be exactly 0..<count so that every id has a token to decode to.
    static func readVocabulary(_ url: URL) throws -> [String] {
        try parseVocabulary(readFile(url), file: url.path)
    }

    static func parseVocabulary(_ data: Data, file: String) throws -> [String] {
        func malformed(_ reason: String) -> TokenizerError { .malformedVocabulary(file: file, reason: reason) }

        guard let object = try? JSONSerialization.jsonObject(with: data), let idForToken = object as? [String: Any] else {
            throw malformed("not a JSON object of token → id")
        }
        var tokens = [String?](repeating: nil, count: idForToken.count)
        for (token, value) in idForToken {
            guard let id = value as? Int else { throw malformed("id of '\(token)' is not an integer") }
            guard tokens.indices.contains(id) else {
                throw malformed("id \(id) of '\(token)' is outside 0..<\(tokens.count); ids must be dense")
            }
            if let other = tokens[id] { throw malformed("id \(id) belongs to both '\(other)' and '\(token)'") }
            guard ByteLevelAlphabet.bytes(for: token) != nil else {
                throw malformed("'\(token)' has characters outside GPT-2's byte-level alphabet")
            }
            tokens[id] = token
        }
        let present = Set(idForToken.keys)
        for (byte, scalar) in ByteLevelAlphabet.scalarForByte.enumerated() where !present.contains(String(scalar)) {
            throw malformed("no token for byte \(byte) ('\(scalar)')")
        }
        guard present.contains(endOfTextToken) else { throw malformed("no '\(endOfTextToken)' token") }
        return tokens.map { $0! }
    }

    /// Merge rules in file order. Line 1 may be a `#version` header; a final newline is optional.
    static func readMerges(_ url: URL, tokens: [String]) throws -> [MergeRule] {
        try parseMerges(readFile(url), file: url.path, tokens: tokens)
    }

    static func parseMerges(_ data: Data, file: String, tokens: [String]) throws -> [MergeRule] {
        let idForToken = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { (Array($0.element.utf8), Int32($0.offset)) })
        let lines = TextLines.lines(of: data)

        var rules: [MergeRule] = []
        rules.reserveCapacity(lines.count)
        for textLine in lines {
            let lineNumber = textLine.number
            let line = TextLines.bytes(of: textLine, in: data)
            if lineNumber == 1 && line.starts(with: "#version".utf8) { continue }
            func malformed(_ reason: String) -> TokenizerError {
                .malformedMerges(file: file, line: lineNumber, reason: reason)
            }

            let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw malformed("expected two tokens separated by one space, found '\(String(decoding: line, as: UTF8.self))'")
            }
            do {
                rules.append(try MergeRule.resolving(Array(parts[0]), Array(parts[1]), in: idForToken))
            } catch let error as MergeRule.MergeError {
                throw malformed(error.reason)
            }
        }
        return rules
    }

    private static func readFile(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerError.unreadable(file: url.path, reason: "no such file")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadable(file: url.path, reason: "\(error)")
        }
    }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
