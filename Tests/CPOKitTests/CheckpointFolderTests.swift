import XCTest
@testable import CPOKit
#if canImport(Glibc)
import Glibc
#endif

final class CheckpointFolderTests: XCTestCase {
    private var runDirectory: URL!

    override func setUpWithError() throws {
        runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID())")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: runDirectory) }

    private let layout = TensorLayout([("wte.weight", [5, 3]), ("h.0.ln_1.bias", [3]), ("h.0.attn.c_attn.weight", [3, 9])])
    private let config = Data(#"{"model_type": "gpt2", "n_embd": 3, "vocab_size": 5}"#.utf8)

    /// A buffer following `layout` whose tensors hold values that depend on `seed`; the alignment
    /// padding between tensors stays zero, as it does in a buffer filled from a checkpoint.
    private func randomBuffer(_ layout: TensorLayout, seed: UInt64) -> FloatBuffer {
        let buffer = FloatBuffer(count: layout.totalCount)
        var random = CounterRandom(seed: seed, domain: .initialization)
        for spec in layout.specs {
            let view = layout.view(spec.name, in: buffer)
            for i in view.indices { view[i] = random.nextUniform() * 2 - 1 }
        }
        return buffer
    }

    private func trainerState(step: Int) throws -> TrainerState {
        struct HyperParameters: Encodable { let learningRate = 3e-4; let beta = 0.1; let negatives = ["AN", "TN"]; let candidates = 4 }
        return TrainerState(globalStep: step, dataCursor: .init(epoch: 2, position: 17), seed: .max,
                            hyperParameters: try JSONValue(encoding: HyperParameters()), extra: ["schedule": .object(["restarts": .integer(1)])])
    }

    private func resumeState(step: Int, seed: UInt64) throws -> CheckpointFolder.ResumeState {
        CheckpointFolder.ResumeState(trainer: try trainerState(step: step), optimizerStep: step + 1,
                                     firstMoment: randomBuffer(layout, seed: seed + 1), secondMoment: randomBuffer(layout, seed: seed + 2))
    }

    @discardableResult
    private func writeCheckpoint(step: Int, seed: UInt64 = 1) throws -> (folder: CheckpointFolder, parameters: FloatBuffer) {
        let folder = CheckpointFolder(step: step, in: runDirectory)
        let parameters = randomBuffer(layout, seed: seed)
        try folder.write(config: config, layout: layout, parameters: parameters, tokenizer: ByteTokenizer(),
                         training: try resumeState(step: step, seed: seed))
        return (folder, parameters)
    }

    private func contents(of url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func testWritesAHuggingFaceFolderAndReadsItBack() throws {
        let parameters = randomBuffer(layout, seed: 42)
        let resume = try resumeState(step: 9, seed: 42)
        let folder = CheckpointFolder(step: 9, in: runDirectory)
        try folder.write(config: config, layout: layout, parameters: parameters, tokenizer: ByteTokenizer(), training: resume)

        XCTAssertEqual(folder.url.lastPathComponent, "checkpoint-9")
        XCTAssertEqual(folder.step, 9)
        XCTAssertEqual(try contents(of: folder.url), [CheckpointFolder.configFile, CheckpointFolder.manifestFile, CheckpointFolder.modelFile,
                                                      CheckpointFolder.optimizerFile, TokenizerFolder.configFileName, CheckpointFolder.trainerStateFile].sorted())
        XCTAssertEqual(try contents(of: runDirectory), ["checkpoint-9"], "no temporary is left beside the checkpoint")
        XCTAssertTrue(folder.isComplete)
        // The config as given, and the dtype of the weights written.
        XCTAssertEqual(try JSONSerialization.jsonObject(with: folder.readConfig()) as? NSDictionary,
                       ["model_type": "gpt2", "n_embd": 3, "vocab_size": 5, "torch_dtype": "float32"])

        let model = try SafetensorsReader(url: folder.url.appendingPathComponent(CheckpointFolder.modelFile))
        XCTAssertEqual(model.metadata, ["format": "pt"])
        XCTAssertEqual(model.entries.map(\.name), layout.specs.map(\.name), "tensors are stored in layout order")
        XCTAssertTrue(model.entries.allSatisfy { $0.dtype == .f32 })
        let optimizer = try SafetensorsReader(url: folder.url.appendingPathComponent(CheckpointFolder.optimizerFile))
        XCTAssertEqual(optimizer.metadata["step"], "10")
        XCTAssertEqual(Set(optimizer.tensorNames), Set(layout.specs.flatMap { ["exp_avg.\($0.name)", "exp_avg_sq.\($0.name)"] }))

        let readParameters = FloatBuffer(count: layout.totalCount)
        try folder.readParameters(layout: layout, into: readParameters)
        XCTAssertEqual(readParameters.toArray(), parameters.toArray())
        let m = FloatBuffer(count: layout.totalCount), v = FloatBuffer(count: layout.totalCount)
        XCTAssertEqual(try folder.readOptimizerMoments(layout: layout, firstMoment: m, secondMoment: v), 10)
        XCTAssertEqual(m.toArray(), (resume.firstMoment as! FloatBuffer).toArray())
        XCTAssertEqual(v.toArray(), (resume.secondMoment as! FloatBuffer).toArray())
        XCTAssertEqual(try folder.readTrainerState(), resume.trainer)
    }

    /// A flat buffer handed out in pieces of `length` elements, cutting tensors and padding anywhere,
    /// as moments gathered from the ranks of a ZeRO run arrive.
    private struct Pieces: FlatValues {
        let buffer: FloatBuffer
        let length: Int
        var count: Int { buffer.count }
        func forEachPiece(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
            for piece in (0 ..< count).buckets(of: length) { try body(UnsafeBufferPointer(rebasing: buffer.buffer[piece])) }
        }
    }

    /// Moments written piece by piece give the same file as written whole, and any range of them
    /// (a rank's shard, for any number of ranks) reads back as that range of the buffer.
    func testMomentsWrittenInPiecesAndReadByRangeMatchTheWholeBuffers() throws {
        let parameters = randomBuffer(layout, seed: 5), m = randomBuffer(layout, seed: 6), v = randomBuffer(layout, seed: 7)
        let state = try trainerState(step: 3)
        let whole = CheckpointFolder(url: runDirectory.appendingPathComponent("whole"))
        try whole.write(config: config, layout: layout, parameters: parameters, tokenizer: ByteTokenizer(),
                        training: .init(trainer: state, optimizerStep: 3, firstMoment: m, secondMoment: v))
        for length in [1, 7, 16, layout.totalCount + 5] {
            let pieces = CheckpointFolder(url: runDirectory.appendingPathComponent("pieces-\(length)"))
            try pieces.write(config: config, layout: layout, parameters: parameters, tokenizer: ByteTokenizer(),
                             training: .init(trainer: state, optimizerStep: 3, firstMoment: Pieces(buffer: m, length: length),
                                             secondMoment: Pieces(buffer: v, length: length)))
            XCTAssertEqual(try Data(contentsOf: pieces.url.appendingPathComponent(CheckpointFolder.optimizerFile)),
                           try Data(contentsOf: whole.url.appendingPathComponent(CheckpointFolder.optimizerFile)), "pieces of \(length)")
        }
        let ranges = [1, 2, 3, 4].flatMap { RankShards(count: layout.totalCount, ranks: $0).ranges } + [5 ..< 40, 15 ..< 17, 20 ..< 20]
        for range in ranges {
            let first = FloatBuffer(count: range.count), second = FloatBuffer(count: range.count)
            XCTAssertEqual(try whole.readOptimizerMoments(layout: layout, range: range, firstMoment: first, secondMoment: second), 3)
            XCTAssertEqual(first.toArray(), Array(m.toArray()[range]), "first moment of \(range)")
            XCTAssertEqual(second.toArray(), Array(v.toArray()[range]), "second moment of \(range)")
        }
    }

    func testModelOnlyFolderHasNoTrainingFiles() throws {
        let folder = CheckpointFolder(url: runDirectory.appendingPathComponent(CheckpointFolder.finalName))
        try folder.write(config: Data(#"{"model_type": "gpt2", "n_embd": 3}"#.utf8), layout: layout, parameters: randomBuffer(layout, seed: 3), tokenizer: ByteTokenizer())
        XCTAssertTrue(folder.isComplete)
        XCTAssertNil(folder.step)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: folder.readConfig()) as? NSDictionary, ["model_type": "gpt2", "n_embd": 3, "torch_dtype": "float32"])
        let stateFile = folder.url.appendingPathComponent(CheckpointFolder.trainerStateFile).path
        XCTAssertThrowsError(try folder.readTrainerState()) { XCTAssertEqual($0 as? CheckpointError, .missingFile(file: stateFile)) }
        let m = FloatBuffer(count: layout.totalCount)
        XCTAssertThrowsError(try folder.readOptimizerMoments(layout: layout, firstMoment: m, secondMoment: m)) {
            XCTAssertEqual($0 as? CheckpointError, .missingFile(file: folder.url.appendingPathComponent(CheckpointFolder.optimizerFile).path))
        }
    }

    func testReadsGPT2TensorsWithOrWithoutTheTransformerPrefix() throws {
        let fixtures = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let huggingFace = CheckpointFolder(url: fixtures.appendingPathComponent("gpt2-tiny"))
        let reference = try SafetensorsReader(url: huggingFace.url.appendingPathComponent(CheckpointFolder.modelFile))
        XCTAssertTrue(reference.tensorNames.allSatisfy { $0.hasPrefix("transformer.") }, "the fixture exercises the prefixed spelling")
        XCTAssertFalse(huggingFace.isComplete, "a plain Hugging Face folder has no manifest")

        // The fixture's names without the prefix: every tensor must be found under its prefixed name.
        let unprefixed = TensorLayout(reference.entries.map { (String($0.name.dropFirst("transformer.".count)), $0.shape) })
        let parameters = FloatBuffer(count: unprefixed.totalCount)
        try huggingFace.readParameters(layout: unprefixed, into: parameters)
        for entry in reference.entries {
            let view = unprefixed.view(String(entry.name.dropFirst("transformer.".count)), in: parameters)
            XCTAssertEqual(Array(view), try reference.floats(entry.name).values, entry.name)
        }

        // And the other way round: written without the prefix, read into a prefixed layout.
        let folder = CheckpointFolder(step: 1, in: runDirectory)
        try folder.write(config: huggingFace.readConfig(), layout: unprefixed, parameters: parameters, tokenizer: ByteTokenizer())
        let prefixed = TensorLayout(reference.entries.map { ($0.name, $0.shape) })
        let roundTrip = FloatBuffer(count: prefixed.totalCount)
        try folder.readParameters(layout: prefixed, into: roundTrip)
        XCTAssertEqual(roundTrip.toArray(), parameters.toArray())
    }

    func testMissingAndMisshapenTensorsNameFileAndTensor() throws {
        let (folder, _) = try writeCheckpoint(step: 1)
        let modelPath = folder.url.appendingPathComponent(CheckpointFolder.modelFile).path
        var larger = TensorLayout(layout.specs.map { ($0.name, $0.shape) })
        larger.append("ln_f.weight", [3])
        XCTAssertThrowsError(try folder.readParameters(layout: larger, into: FloatBuffer(count: larger.totalCount))) { error in
            XCTAssertEqual(error as? CheckpointError, .missingTensor(file: modelPath, tensor: "ln_f.weight", triedNames: ["ln_f.weight", "transformer.ln_f.weight"]))
            XCTAssertTrue("\(error)".contains(folder.url.path))
        }
        let reshaped = TensorLayout([("wte.weight", [3, 5])])
        XCTAssertThrowsError(try folder.readParameters(layout: reshaped, into: FloatBuffer(count: reshaped.totalCount))) { error in
            XCTAssertEqual(error as? SafetensorsError, .shapeMismatch(file: modelPath, tensor: "wte.weight", expected: [3, 5], found: [5, 3]))
        }
        let optimizerPath = folder.url.appendingPathComponent(CheckpointFolder.optimizerFile).path
        let moments = FloatBuffer(count: larger.totalCount)
        XCTAssertThrowsError(try folder.readOptimizerMoments(layout: larger, firstMoment: moments, secondMoment: moments)) { error in
            XCTAssertEqual(error as? CheckpointError, .missingTensor(file: optimizerPath, tensor: "exp_avg.ln_f.weight", triedNames: ["exp_avg.ln_f.weight"]))
        }
    }

    func testOptimizerFileWithoutStepIsRefused() throws {
        let (folder, parameters) = try writeCheckpoint(step: 1)
        let url = folder.url.appendingPathComponent(CheckpointFolder.optimizerFile)
        let tensors = layout.specs.flatMap { spec in
            ["exp_avg.", "exp_avg_sq."].map { SafetensorsWriter.Tensor(name: $0 + spec.name, shape: spec.shape, values: UnsafeBufferPointer(layout.view(spec.name, in: parameters))) }
        }
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
        let moments = FloatBuffer(count: layout.totalCount)
        XCTAssertThrowsError(try folder.readOptimizerMoments(layout: layout, firstMoment: moments, secondMoment: moments)) { error in
            guard case let .malformed(file, _) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
        }
    }

    func testTrainerStateFileFormat() throws {
        let (folder, _) = try writeCheckpoint(step: 5)
        let url = folder.url.appendingPathComponent(CheckpointFolder.trainerStateFile)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["format_version", "global_step", "data_cursor", "seed", "hyper_parameters", "extra"])
        XCTAssertEqual(json["global_step"] as? Int, 5)
        let hyperParameters = try XCTUnwrap(json["hyper_parameters"] as? [String: Any])
        XCTAssertEqual(Set(hyperParameters.keys), ["learningRate", "beta", "negatives", "candidates"], "user keys are kept as spelled")
        XCTAssertEqual(try folder.readTrainerState().seed, UInt64.max, "a 64-bit seed survives exactly")

        var newer = json
        newer["format_version"] = TrainerState.currentFormatVersion + 1
        try JSONSerialization.data(withJSONObject: newer).write(to: url)
        XCTAssertThrowsError(try folder.readTrainerState()) { error in
            guard case let .malformed(file, reason) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
            XCTAssertTrue(reason.contains("format_version"), reason)
        }
        try Data("{\"global_step\": 1".utf8).write(to: url)
        XCTAssertThrowsError(try folder.readTrainerState()) { error in
            guard case let .malformed(file, _) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
        }
    }

    func testConfigMustBeAJSONObject() throws {
        let folder = CheckpointFolder(step: 1, in: runDirectory)
        XCTAssertThrowsError(try folder.write(config: Data("[1]".utf8), layout: layout, parameters: randomBuffer(layout, seed: 1), tokenizer: ByteTokenizer())) {
            XCTAssertEqual($0 as? CheckpointError, .malformed(file: folder.url.appendingPathComponent("config.json").path, reason: "config is not a JSON object"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.url.path))
    }

    func testFailedWriteLeavesNothingUnderTheRealName() throws {
        struct BrokenTokenizer: Tokenizer {
            struct Failure: Error {}
            var vocabularySize: Int { 1 }
            var endOfText: Int32 { 0 }
            func encode(_ text: String) -> [Int32] { [] }
            func decode(_ ids: [Int32], keepingSpecialTokens: Bool) -> String { "" }
            func save(to folder: URL) throws { throw Failure() }
        }
        let (previous, previousParameters) = try writeCheckpoint(step: 3)
        let folder = CheckpointFolder(step: 3, in: runDirectory)
        XCTAssertThrowsError(try folder.write(config: config, layout: layout, parameters: randomBuffer(layout, seed: 9), tokenizer: BrokenTokenizer()))
        XCTAssertEqual(try contents(of: runDirectory), ["checkpoint-3"], "the temporary is removed")
        XCTAssertTrue(previous.isComplete, "the checkpoint it would have replaced is untouched")
        let parameters = FloatBuffer(count: layout.totalCount)
        try previous.readParameters(layout: layout, into: parameters)
        XCTAssertEqual(parameters.toArray(), previousParameters.toArray())
    }

    func testRewritingAFolderReplacesIt() throws {
        try writeCheckpoint(step: 4, seed: 1)
        let (folder, newer) = try writeCheckpoint(step: 4, seed: 2)
        XCTAssertEqual(try contents(of: runDirectory), ["checkpoint-4"])
        let parameters = FloatBuffer(count: layout.totalCount)
        try folder.readParameters(layout: layout, into: parameters)
        XCTAssertEqual(parameters.toArray(), newer.toArray())
    }

    func testManifestCatchesTruncatedOrMissingFiles() throws {
        let (folder, _) = try writeCheckpoint(step: 2)
        let model = folder.url.appendingPathComponent(CheckpointFolder.modelFile)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: model.path)[.size] as? NSNumber).intValue
        XCTAssertEqual(truncate(model.path, off_t(size - 4)), 0)
        XCTAssertThrowsError(try folder.verifyComplete()) { error in
            guard case let .incomplete(path, reason) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, folder.url.path)
            XCTAssertTrue(reason.contains(CheckpointFolder.modelFile), reason)
        }
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent(CheckpointFolder.manifestFile))
        XCTAssertThrowsError(try folder.verifyComplete()) { XCTAssertTrue("\($0)".contains(folder.url.path)) }
    }

    func testNewestIntactIgnoresTemporariesAndReportsIncompleteFolders() throws {
        XCTAssertNil(try CheckpointFolder.newestIntact(in: runDirectory).checkpoint, "no run directory yet")
        try writeCheckpoint(step: 3)
        try writeCheckpoint(step: 10)
        try FileManager.default.copyItem(at: CheckpointFolder(step: 10, in: runDirectory).url,
                                         to: runDirectory.appendingPathComponent(".tmp-checkpoint-20-crashed"))
        let halfCopied = CheckpointFolder(step: 12, in: runDirectory)
        try FileManager.default.copyItem(at: CheckpointFolder(step: 10, in: runDirectory).url, to: halfCopied.url)
        try FileManager.default.removeItem(at: halfCopied.url.appendingPathComponent(CheckpointFolder.manifestFile))
        try FileManager.default.createDirectory(at: runDirectory.appendingPathComponent("checkpoint-99x"), withIntermediateDirectories: false)
        try CheckpointFolder(url: runDirectory.appendingPathComponent("final")).write(
            config: config, layout: layout, parameters: randomBuffer(layout, seed: 1), tokenizer: ByteTokenizer())

        let (newest, passedOver) = try CheckpointFolder.newestIntact(in: runDirectory)
        XCTAssertEqual(newest?.step, 10)
        XCTAssertEqual(passedOver, [.incomplete(folder: halfCopied.url.path, reason: "no \(CheckpointFolder.manifestFile)")],
                       "checkpoint-99x is not a step folder; checkpoint-12 lost its manifest")
    }

    /// A flipped bit keeps every size: only the checksum sees it. The run falls back to the older
    /// checkpoint and says which file of which folder it did not trust.
    func testChecksumsCatchAFlippedBitAndResumeFallsBack() throws {
        try writeCheckpoint(step: 4)
        let (newer, _) = try writeCheckpoint(step: 8)
        let model = newer.url.appendingPathComponent(CheckpointFolder.modelFile)
        var bytes = try Data(contentsOf: model)
        bytes[bytes.count - 3] ^= 0x10
        try bytes.write(to: model)

        XCTAssertNoThrow(try newer.verifyComplete(), "sizes are unchanged")
        XCTAssertThrowsError(try newer.verifyIntact()) { error in
            guard case let .damaged(file, reason) = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, model.path)
            XCTAssertTrue(reason.contains("XXH64"), reason)
        }
        let (newest, passedOver) = try CheckpointFolder.newestIntact(in: runDirectory)
        XCTAssertEqual(newest?.step, 4)
        XCTAssertEqual(passedOver.count, 1)
        XCTAssertTrue(passedOver.first?.description.hasPrefix(model.path) == true, "\(passedOver)")
        XCTAssertThrowsError(try ModelFolder.load(newer.url)) { XCTAssertTrue("\($0)".contains(model.path), "\($0)") }
    }

    /// Reference digests from the xxHash specification's implementation (python `xxhash.xxh64`, seed 0).
    func testXXHash64MatchesTheReferenceInAnyPieces() throws {
        let text = Array("The quick brown fox jumps over the lazy dog, and then some more bytes to pass two stripes.".utf8)
        XCTAssertEqual(text.withUnsafeBytes { XXHash64.digest(UnsafeRawBufferPointer(rebasing: $0[0 ..< 0])) }, 0xEF46_DB37_51D8_E999)
        XCTAssertEqual(Array("abc".utf8).withUnsafeBytes { XXHash64.digest($0) }, 0x44BC_2CF5_AD77_0999)
        let whole = text.withUnsafeBytes { XXHash64.digest($0) }
        XCTAssertEqual(whole, 0x2C77_AB93_FCBC_0692)
        for cut in [1, 7, 31, 32, 33, 64, text.count - 1] {
            var hash = XXHash64()
            text.withUnsafeBytes { bytes in
                hash.update(UnsafeRawBufferPointer(rebasing: bytes[0 ..< cut]))
                hash.update(UnsafeRawBufferPointer(rebasing: bytes[cut...]))
            }
            XCTAssertEqual(hash.finalize(), whole, "cut at \(cut)")
        }
    }

    func testWritingClearsAbandonedTemporariesButNotLiveOnes() throws {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let abandoned = runDirectory.appendingPathComponent(".tmp-checkpoint-8-abandoned")
        let live = runDirectory.appendingPathComponent(".tmp-checkpoint-8-live")
        for folder in [abandoned, live] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false) }
        let lock = open(live.path, O_RDONLY | O_DIRECTORY)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)
        defer { close(lock) }

        try writeCheckpoint(step: 9)
        XCTAssertEqual(try contents(of: runDirectory), [".tmp-checkpoint-8-live", "checkpoint-9"])
    }

    func testRemoveAllButNewestKeepsFinalAndIncompleteFolders() throws {
        for step in [1, 2, 5, 3] { try writeCheckpoint(step: step) }
        try CheckpointFolder(url: runDirectory.appendingPathComponent("final")).write(
            config: config, layout: layout, parameters: randomBuffer(layout, seed: 1), tokenizer: ByteTokenizer())
        try FileManager.default.createDirectory(at: CheckpointFolder(step: 7, in: runDirectory).url, withIntermediateDirectories: false)

        let removed = try CheckpointFolder.removeAllButNewest(2, in: runDirectory)
        XCTAssertEqual(removed.map(\.step), [1, 2])
        XCTAssertEqual(try contents(of: runDirectory), ["checkpoint-3", "checkpoint-5", "checkpoint-7", "final"])
        XCTAssertEqual(try CheckpointFolder.removeAllButNewest(2, in: runDirectory), [])
    }

    func testJSONValueKeepsIntegersNumbersAndBooleansApart() throws {
        let text = #"{"a": 1, "b": 1.5, "c": true, "d": null, "e": ["x", 9007199254740993], "f": {"g": false}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        XCTAssertEqual(value, .object(["a": .integer(1), "b": .number(1.5), "c": .bool(true), "d": .null,
                                       "e": .array([.string("x"), .integer(9_007_199_254_740_993)]), "f": .object(["g": .bool(false)])]))
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)), value)
        struct Settings: Codable, Equatable { let rate: Double; let names: [String]; let seed: UInt64 }
        let settings = Settings(rate: 0.25, names: ["a"], seed: 12_345_678_901_234_567_890)
        XCTAssertEqual(try JSONValue(encoding: settings).decoded(as: Settings.self), settings)
    }
}
