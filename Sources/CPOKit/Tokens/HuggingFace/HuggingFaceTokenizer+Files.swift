import Foundation

extension HuggingFaceTokenizer {
    public static let fileName = "tokenizer.json"
    /// Saved beside `tokenizer.json` when the folder has them, so `AutoTokenizer.from_pretrained`
    /// finds the same special tokens and class.
    static let companionFileNames = [TokenizerFolder.configFileName, "special_tokens_map.json"]
    /// End-of-text tokens of the common families, for a `tokenizer.json` without a config naming one.
    static let knownEndOfTextTokens = ["<|endoftext|>", "</s>", "<|end_of_text|>"]
    /// One more than the largest vocabulary id read. Token strings are kept in a table of every id
    /// up to the largest, so one huge id would allocate gigabytes before any other check.
    static let maximumVocabularySize = 1 << 24

    public init(folder: URL) throws {
        var files = [Self.fileName: try Self.read(folder.appendingPathComponent(Self.fileName))]
        for name in Self.companionFileNames where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            files[name] = try Self.read(folder.appendingPathComponent(name))
        }
        try self.init(files: files, folder: folder)
    }

    /// From the files' contents by name (`tokenizer.json`, and the companions the folder has);
    /// `folder` names them in errors.
    init(files: [String: Data], folder: URL) throws {
        let file = folder.appendingPathComponent(Self.fileName).path
        let reader = ComponentReader(file: file)
        let json = try Self.parse(files[Self.fileName]!, reader: reader)
        let configReader = ComponentReader(file: folder.appendingPathComponent(TokenizerFolder.configFileName).path)
        let config = try files[TokenizerFolder.configFileName].map { try Self.parse($0, reader: configReader) }

        let normalizer = try reader.normalizer(json["normalizer"] ?? .null, at: "normalizer")
        let modelJSON = json["model"] ?? .null
        guard let modelType = try reader.type(of: modelJSON, at: "model") else { throw reader.malformed("model", "is missing") }
        guard modelType == "BPE" else { throw reader.unsupported("model", modelType) }
        let (model, vocabulary) = try Self.bytePairModel(modelJSON, reader: reader)
        var tokenForID = vocabulary

        let addedTokens = try Self.addedTokens(json["added_tokens"] ?? .array([]), vocabulary: vocabulary,
                                                idForToken: model.idForToken, reader: reader)
        for token in addedTokens {
            if Int(token.id) >= tokenForID.count { tokenForID += Array(repeating: nil, count: Int(token.id) + 1 - tokenForID.count) }
            tokenForID[Int(token.id)] = token.content
        }
        let postProcessor = try ComponentReader(file: file, vocabularySize: tokenForID.count)
            .postProcessor(json["post_processor"] ?? .null, at: "post_processor")
        let idForAdded = Dictionary(addedTokens.map { (Array($0.content.utf8), $0.id) }) { first, _ in first }
        func id(ofToken name: String, field: String) throws -> Int32 {
            guard let id = idForAdded[Array(name.utf8)] ?? model.idForToken[Array(name.utf8)] else {
                throw configReader.malformed(field, "'\(name)' is not a token of \(file)")
            }
            return id
        }

        let endOfText: Int32
        if let name = try config.flatMap({ try Self.tokenName($0["eos_token"], field: "eos_token", reader: configReader) }) {
            endOfText = try id(ofToken: name, field: "eos_token")
        } else if let name = Self.knownEndOfTextTokens.first(where: { idForAdded[Array($0.utf8)] ?? model.idForToken[Array($0.utf8)] != nil }) {
            endOfText = try id(ofToken: name, field: "eos_token")
        } else {
            throw configReader.malformed("eos_token", "is missing, and \(file) has none of \(Self.knownEndOfTextTokens.joined(separator: ", "))")
        }
        var prefix = postProcessor?.prefix ?? []
        if prefix.isEmpty, let config, try configReader.bool(config, "add_bos_token", at: "", default: false) {
            guard let name = try Self.tokenName(config["bos_token"], field: "bos_token", reader: configReader) else {
                throw configReader.malformed("bos_token", "is missing, but add_bos_token is true")
            }
            prefix = [try id(ofToken: name, field: "bos_token")]
        }

        self.init(normalizer: normalizer, preTokenizer: try reader.preTokenizer(json["pre_tokenizer"] ?? .null, at: "pre_tokenizer"),
                  model: model, decoder: try reader.decoder(json["decoder"] ?? .null, at: "decoder"), postProcessor: postProcessor,
                  rawAddedTokens: AddedTokenMatcher(addedTokens.filter { !$0.normalized }, normalizer: nil),
                  normalizedAddedTokens: AddedTokenMatcher(addedTokens.filter(\.normalized), normalizer: normalizer),
                  tokenForID: tokenForID, specialIDs: Set(addedTokens.filter(\.special).map(\.id)),
                  endOfText: endOfText, sequencePrefix: prefix, files: files)
    }

    /// Writes the files it was read from; without a `tokenizer_config.json`, one naming the
    /// end-of-text token, so `AutoTokenizer.from_pretrained` loads the folder.
    public func save(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var files = self.files
        if files[TokenizerFolder.configFileName] == nil, let endOfTextToken = tokenForID[Int(endOfText)] {
            let config: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "eos_token": endOfTextToken]
            files[TokenizerFolder.configFileName] = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        }
        for (name, data) in files {
            try AtomicFile.write(data, to: folder.appendingPathComponent(name))
        }
    }

    private static func read(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TokenizerError.unreadable(file: url.path, reason: "no such file") }
        do { return try Data(contentsOf: url) } catch { throw TokenizerError.unreadable(file: url.path, reason: "\(error)") }
    }

    private static func parse(_ data: Data, reader: ComponentReader) throws -> TokenizerJSON {
        do { return try TokenizerJSON.parse(Array(data)) } catch let error as TokenizerJSON.SyntaxError {
            throw reader.malformed("(file)", "not JSON: \(error)")
        }
    }

    /// A special token in `tokenizer_config.json`: a string, or `{"content": …}` in older files.
    private static func tokenName(_ json: TokenizerJSON?, field: String, reader: ComponentReader) throws -> String? {
        guard let json, !json.isNull else { return nil }
        guard let name = json.string ?? json["content"]?.string else { throw reader.malformed(field, "is neither a string nor {\"content\": …}") }
        return name
    }

    /// The model and its token strings by id. Vocabulary keys are compared as UTF-8 bytes, so
    /// canonically equivalent spellings stay distinct tokens, as in Hugging Face.
    private static func bytePairModel(_ json: TokenizerJSON, reader: ComponentReader) throws -> (BytePairModel, [String?]) {
        // An empty prefix or suffix, as `tokenizers` writes for GPT-2, is none.
        for field in ["continuing_subword_prefix", "end_of_word_suffix", "dropout"] {
            guard let value = json[field], !value.isNull, value.string != "" else { continue }
            throw reader.unsupported("model.\(field)", value.string ?? "a number")
        }
        guard case let .object(entries)? = json["vocab"] else { throw reader.malformed("model.vocab", "is not an object of token → id") }
        var idForToken: [[UInt8]: Int32] = [:]
        idForToken.reserveCapacity(entries.count)
        var tokenForID: [String?] = []
        for (token, value) in entries {
            guard let id = value.integer, (0..<Int(Int32.max)).contains(id) else {
                throw reader.malformed("model.vocab", "the id of '\(token)' is not a non-negative integer")
            }
            guard id < maximumVocabularySize else {
                throw reader.malformed("model.vocab", "the id of '\(token)' is \(id), above \(maximumVocabularySize - 1), the largest id read "
                                       + "(the largest vocabularies in use have about 256 k tokens)")
            }
            let key = Array(token.utf8)
            guard idForToken.updateValue(Int32(id), forKey: key) == nil else {
                throw reader.malformed("model.vocab", "'\(token)' is listed twice")
            }
            if id >= tokenForID.count { tokenForID += Array(repeating: nil, count: id + 1 - tokenForID.count) }
            if let other = tokenForID[id] { throw reader.malformed("model.vocab", "id \(id) belongs to both '\(other)' and '\(token)'") }
            tokenForID[id] = token
        }
        var rules: [MergeRule] = []
        let merges = try reader.array(json, "merges", at: "model")
        rules.reserveCapacity(merges.count)
        for (index, merge) in merges.enumerated() {
            let field = "model.merges[\(index)]"
            // Split as bytes: a space followed by a combining mark is one Character.
            let parts: [[UInt8]]
            if let line = merge.string {
                parts = Array(line.utf8).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
            } else {
                parts = merge.array?.compactMap(\.string).map { Array($0.utf8) } ?? []
                guard parts.count == merge.array?.count else { throw reader.malformed(field, "is neither \"a b\" nor [\"a\", \"b\"]") }
            }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw reader.malformed(field, "expected two tokens, found \(parts.map { "'\(String(decoding: $0, as: UTF8.self))'" })")
            }
            do {
                rules.append(try MergeRule.resolving(parts[0], parts[1], in: idForToken))
            } catch let error as MergeRule.MergeError {
                throw reader.malformed(field, error.reason)
            }
        }
        var unknown: Int32?
        if let name = json["unk_token"]?.string {
            guard let id = idForToken[Array(name.utf8)] else { throw reader.malformed("model.unk_token", "'\(name)' is not in the vocabulary") }
            unknown = id
        }
        let model = BytePairModel(idForToken: idForToken, rules: rules, unknown: unknown,
                                  fuseUnknown: try reader.bool(json, "fuse_unk", at: "model", default: false),
                                  byteFallback: try reader.bool(json, "byte_fallback", at: "model", default: false),
                                  ignoreMerges: try reader.bool(json, "ignore_merges", at: "model", default: false))
        return (model, tokenForID)
    }

    /// Hugging Face gives an added token its vocabulary id, or else the next id after the vocabulary
    /// and the added tokens before it, whatever the file says (it only warns). A file whose id
    /// disagrees is refused: the model's embedding rows were laid out by one of the two.
    private static func addedTokens(_ json: TokenizerJSON, vocabulary: [String?], idForToken: [[UInt8]: Int32],
                                    reader: ComponentReader) throws -> [AddedToken] {
        guard let entries = json.array else { throw reader.malformed("added_tokens", "is not an array") }
        var tokens: [AddedToken] = []
        var nextID = Int32(idForToken.count)
        for (index, entry) in entries.enumerated() {
            let field = "added_tokens[\(index)]"
            let content = try reader.string(entry, "content", at: field)
            guard !content.isEmpty else { throw reader.malformed("\(field).content", "is empty") }
            guard let fileID = entry["id"]?.integer else { throw reader.malformed("\(field).id", "is not an integer") }
            let id: Int32
            if let vocabularyID = idForToken[Array(content.utf8)] {
                id = vocabularyID
            } else {
                id = nextID
                nextID += 1
            }
            guard fileID == Int(id) else {
                let owner = vocabulary.indices.contains(fileID) ? vocabulary[fileID].map { ", which is the vocabulary's '\($0)'" } ?? "" : ""
                throw reader.malformed(field, "'\(content)' has id \(fileID)\(owner), but Hugging Face would give it id \(id) "
                                       + "(its vocabulary id, or the next id after the vocabulary and the added tokens before it)")
            }
            let special = try reader.bool(entry, "special", at: field, default: false)
            tokens.append(AddedToken(id: id, content: content, special: special,
                                     lstrip: try reader.bool(entry, "lstrip", at: field, default: false),
                                     rstrip: try reader.bool(entry, "rstrip", at: field, default: false),
                                     singleWord: try reader.bool(entry, "single_word", at: field, default: false),
                                     normalized: try reader.bool(entry, "normalized", at: field, default: !special)))
        }
        return tokens
    }
}
