import Foundation
import XCTest
@testable import CPOKit

/// The weights of a model folder as the hub ships them: the BF16 four-shard Llama fixture read
/// through its index, F16/BF16 export rounded as PyTorch rounds, sharded writing by Hugging
/// Face's rule, and every way an index and its shards can disagree.
final class ModelWeightsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-weights-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: folder) }

    private static var fixture: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("llama-tiny-bf16-sharded")
    }

    private static let fixtureShards = (1...4).map { "model-0000\($0)-of-00004.safetensors" }

    private func path(_ url: URL) -> String { url.standardizedFileURL.path }

    private func readIndex(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Shapes the fixture's config.json implies for a Llama with untied embeddings.
    private func llamaShapes() throws -> [String: [Int]] {
        let config = try readIndex(Self.fixture.appendingPathComponent("config.json"))
        let hidden = try XCTUnwrap(config["hidden_size"] as? Int)
        let intermediate = try XCTUnwrap(config["intermediate_size"] as? Int)
        let vocabulary = try XCTUnwrap(config["vocab_size"] as? Int)
        let headDim = try XCTUnwrap(config["head_dim"] as? Int)
        let heads = try XCTUnwrap(config["num_attention_heads"] as? Int)
        let kvHeads = try XCTUnwrap(config["num_key_value_heads"] as? Int)
        let layers = try XCTUnwrap(config["num_hidden_layers"] as? Int)
        var shapes = ["model.embed_tokens.weight": [vocabulary, hidden], "lm_head.weight": [vocabulary, hidden],
                      "model.norm.weight": [hidden]]
        for layer in 0..<layers {
            let p = "model.layers.\(layer)."
            shapes[p + "input_layernorm.weight"] = [hidden]
            shapes[p + "post_attention_layernorm.weight"] = [hidden]
            shapes[p + "self_attn.q_proj.weight"] = [heads * headDim, hidden]
            shapes[p + "self_attn.k_proj.weight"] = [kvHeads * headDim, hidden]
            shapes[p + "self_attn.v_proj.weight"] = [kvHeads * headDim, hidden]
            shapes[p + "self_attn.o_proj.weight"] = [hidden, heads * headDim]
            shapes[p + "mlp.gate_proj.weight"] = [intermediate, hidden]
            shapes[p + "mlp.up_proj.weight"] = [intermediate, hidden]
            shapes[p + "mlp.down_proj.weight"] = [hidden, intermediate]
        }
        return shapes
    }

    // MARK: Reading the sharded fixture

    func testEveryTensorOfTheWeightMapReadsThroughTheIndex() throws {
        let weights = try ModelWeights(folder: Self.fixture)
        XCTAssertTrue(weights.isSharded)
        XCTAssertEqual(weights.path, Self.fixture.appendingPathComponent(ModelWeights.indexFile).path)
        XCTAssertEqual(weights.files.map { URL(fileURLWithPath: $0).lastPathComponent }, Self.fixtureShards)
        let index = try readIndex(Self.fixture.appendingPathComponent(ModelWeights.indexFile))
        let weightMap = try XCTUnwrap(index["weight_map"] as? [String: String])
        let metadata = try XCTUnwrap(index["metadata"] as? [String: Any])
        let shapes = try llamaShapes()
        XCTAssertEqual(Set(weights.tensorNames), Set(weightMap.keys))
        XCTAssertEqual(Set(weightMap.keys), Set(shapes.keys))
        XCTAssertEqual(weights.tensorNames.count, weightMap.count, "a tensor is listed twice")

        var shards: [String: SafetensorsReader] = [:]
        for name in Self.fixtureShards { shards[name] = try SafetensorsReader(url: Self.fixture.appendingPathComponent(name)) }
        var totalBytes = 0
        var elements = 0
        for (name, shardName) in weightMap.sorted(by: { $0.key < $1.key }) {
            let entry = try XCTUnwrap(weights.entry(name), name)
            XCTAssertEqual(entry.dtype, .bf16, name)
            XCTAssertEqual(entry.shape, shapes[name], name)
            XCTAssertEqual(weights.file(containing: name).map { path(URL(fileURLWithPath: $0)) },
                           path(Self.fixture.appendingPathComponent(shardName)), name)
            var values = [Float](repeating: .nan, count: entry.shape.reduce(1, *))
            try values.withUnsafeMutableBufferPointer { try weights.read(name, into: $0, expectedShape: entry.shape) }
            XCTAssertTrue(values.allSatisfy { $0.bitPattern & 0xFFFF == 0 }, "\(name): not widened from BF16")
            XCTAssertTrue(values.contains { $0 != 0 }, "\(name): all zero")
            let direct = try shards[shardName]!.floats(name)
            XCTAssertEqual(direct.shape, entry.shape, name)
            XCTAssertEqual(values.map(\.bitPattern), direct.values.map(\.bitPattern), name)
            XCTAssertEqual(try weights.floats(name).values.map(\.bitPattern), direct.values.map(\.bitPattern), name)
            totalBytes += entry.range.count
            elements += values.count
        }
        XCTAssertEqual(metadata["total_size"] as? Int, totalBytes)
        XCTAssertEqual(metadata["total_parameters"] as? Int, elements)
    }

    func testReadErrorsNameTheIndexOrTheShard() throws {
        let weights = try ModelWeights(folder: Self.fixture)
        XCTAssertNil(weights.entry("model.nope"))
        XCTAssertNil(weights.file(containing: "model.nope"))
        XCTAssertThrowsError(try weights.floats("model.nope")) { error in
            XCTAssertEqual(error as? SafetensorsError, .missingTensor(file: weights.path, tensor: "model.nope"))
        }
        var values = [Float](repeating: 0, count: 48)
        XCTAssertThrowsError(try values.withUnsafeMutableBufferPointer {
            try weights.read("model.embed_tokens.weight", into: $0, expectedShape: [48])
        }) { error in
            XCTAssertEqual(error as? SafetensorsError,
                           .shapeMismatch(file: weights.file(containing: "model.embed_tokens.weight")!, tensor: "model.embed_tokens.weight",
                                          expected: [48], found: [61, 48]))
        }
    }

    func testASingleFileIsPreferredAndTheIndexIgnored() throws {
        let values: [Float] = [1, 2, 3]
        try values.withUnsafeBufferPointer {
            try SafetensorsWriter.write([.init(name: "w", shape: [3], values: $0)], to: folder.appendingPathComponent(ModelWeights.singleFile))
        }
        try Data("not json".utf8).write(to: folder.appendingPathComponent(ModelWeights.indexFile))
        let weights = try ModelWeights(folder: folder)
        XCTAssertFalse(weights.isSharded)
        XCTAssertEqual(weights.path, folder.appendingPathComponent(ModelWeights.singleFile).path)
        XCTAssertEqual(weights.tensorNames, ["w"])
        XCTAssertEqual(weights.file(containing: "w"), weights.path)
        XCTAssertEqual(try weights.floats("w").values, values)
    }

    // MARK: Half precision

    /// Bit patterns from PyTorch 2.15, `torch.tensor(x).to(torch.bfloat16 / torch.float16)`.
    private static let narrowing: [(value: Float, bf16: UInt16, f16: UInt16)] = [
        (1, 0x3F80, 0x3C00),
        (Float(bitPattern: 0x3F80_8000), 0x3F80, 0x3C04),  // BF16 tie, down to even
        (Float(bitPattern: 0x3F81_8000), 0x3F82, 0x3C0C),  // BF16 tie, up to even
        (Float(bitPattern: 0x3F80_8001), 0x3F81, 0x3C04),  // just past a BF16 tie
        (1 + 0x1p-11, 0x3F80, 0x3C00),                     // F16 tie, down to even
        (1 + 3 * 0x1p-11, 0x3F80, 0x3C02),                 // F16 tie, up to even
        (Float(bitPattern: 0x0001_8000), 0x0002, 0x0000),  // Float subnormal, BF16 tie up
        (Float(bitPattern: 0x0000_8000), 0x0000, 0x0000),  // Float subnormal, BF16 tie to zero
        (.leastNonzeroMagnitude, 0x0000, 0x0000),
        (0x1p-14, 0x3880, 0x0400),                         // least F16 normal
        (0x1p-24, 0x3380, 0x0001),                         // least F16 subnormal
        (0x1p-25, 0x3300, 0x0000),                         // F16 tie to zero
        (3 * 0x1p-25, 0x33C0, 0x0002),                     // F16 subnormal tie, up to even
        (Float(bitPattern: 0x3300_0001), 0x3300, 0x0001),  // just past the F16 tie to zero
        (-0x1p-26, 0xB280, 0x8000),                        // F16 underflow keeps the sign
        (-0.0, 0x8000, 0x8000),
        (65504, 0x4780, 0x7BFF),                           // greatest F16
        (65519, 0x4780, 0x7BFF),
        (65520, 0x4780, 0x7C00),                           // F16 tie to even is infinity
        (1e6, 0x4974, 0x7C00),
        (-1e6, 0xC974, 0xFC00),
        (.greatestFiniteMagnitude, 0x7F80, 0x7C00),        // BF16 overflow rounds to infinity
        (-.greatestFiniteMagnitude, 0xFF80, 0xFC00),
        (.infinity, 0x7F80, 0x7C00),
        (-.infinity, 0xFF80, 0xFC00),
        (.pi, 0x4049, 0x4248),
        (.nan, 0x7FC0, 0x7E00),
        (-.nan, 0x7FC0, 0xFE00),
        (Float(bitPattern: 0x7FA1_2345), 0x7FC0, 0x7F09),  // F16 keeps the payload's top bits
        (Float(bitPattern: 0x7F80_0001), 0x7FC0, 0x7E00),  // signalling NaN, payload lost: quiet NaN
        (Float(bitPattern: 0xFFC0_0001), 0x7FC0, 0xFE00),
        (Float(bitPattern: 0x7FFF_FFFF), 0x7FC0, 0x7FFF),
    ]

    func testNarrowingMatchesPyTorchBitForBit() {
        for (value, bf16, f16) in Self.narrowing {
            XCTAssertEqual(HalfPrecision.bfloat16Bits(value), bf16, "BF16 of \(value) (0x\(String(value.bitPattern, radix: 16)))")
            XCTAssertEqual(HalfPrecision.float16Bits(value), f16, "F16 of \(value) (0x\(String(value.bitPattern, radix: 16)))")
        }
    }

    /// The stored bits of a written file's only tensor.
    private func storedBits(_ url: URL, count: Int) throws -> [UInt16] {
        let data = try Data(contentsOf: url)
        let headerLength = data.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual(data.count, 8 + headerLength + 2 * count)
        return data.withUnsafeBytes { raw in
            (0..<count).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 8 + headerLength + 2 * $0, as: UInt16.self)) }
        }
    }

    func testHalfPrecisionFilesRoundTrip() throws {
        let values = Self.narrowing.map(\.value)
        for dtype in [SafetensorsDType.bf16, .f16] {
            let url = folder.appendingPathComponent("\(dtype.rawValue).safetensors")
            try values.withUnsafeBufferPointer {
                try SafetensorsWriter.write([.init(name: "x", shape: [values.count], values: $0)], dtype: dtype, to: url)
            }
            let expectedBits = Self.narrowing.map { dtype == .bf16 ? $0.bf16 : $0.f16 }
            XCTAssertEqual(try storedBits(url, count: values.count), expectedBits, dtype.rawValue)
            let reader = try SafetensorsReader(url: url)
            XCTAssertEqual(reader.metadata, ["format": "pt"])
            XCTAssertEqual(reader.entry("x")?.dtype, dtype)
            // Weights must be finite: a stored infinity or NaN is refused on read, naming the tensor.
            XCTAssertThrowsError(try reader.floats("x")) { XCTAssertTrue("\($0)".contains("tensor 'x'"), "\($0)") }
            func widen(_ bits: UInt16) -> Float { dtype == .bf16 ? Float(bitPattern: UInt32(bits) << 16) : Float(Float16(bitPattern: bits)) }
            let finite = zip(values, expectedBits).filter { widen($0.1).isFinite }
            let finiteURL = folder.appendingPathComponent("finite-\(dtype.rawValue).safetensors")
            try finite.map(\.0).withUnsafeBufferPointer {
                try SafetensorsWriter.write([.init(name: "x", shape: [finite.count], values: $0)], dtype: dtype, to: finiteURL)
            }
            let read = try SafetensorsReader(url: finiteURL).floats("x").values
            for (bits, value) in zip(finite.map(\.1), read) {
                let widened = dtype == .bf16 ? Float(bitPattern: UInt32(bits) << 16) : Float(Float16(bitPattern: bits))
                if widened.isNaN {
                    XCTAssertTrue(value.isNaN, "\(dtype.rawValue): NaN did not stay NaN")
                } else {
                    XCTAssertEqual(value.bitPattern, widened.bitPattern, dtype.rawValue)
                }
            }
            // Values that are already exact survive a second round unchanged.
            let again = folder.appendingPathComponent("again-\(dtype.rawValue).safetensors")
            try read.withUnsafeBufferPointer {
                try SafetensorsWriter.write([.init(name: "x", shape: [read.count], values: $0)], dtype: dtype, to: again)
            }
            XCTAssertEqual(try storedBits(again, count: read.count), finite.map(\.1), dtype.rawValue)
        }
    }

    func testNarrowingCrossesConversionChunks() throws {
        let count = SafetensorsWriter.conversionChunk + 3
        let first = (0..<count).map { Float($0) * 1.001 + 0.3 }
        let second: [Float] = [7.25, -1e-3]
        let url = folder.appendingPathComponent("long.safetensors")
        try first.withUnsafeBufferPointer { a in
            try second.withUnsafeBufferPointer { b in
                try SafetensorsWriter.write([.init(name: "a", shape: [count], values: a), .init(name: "b", shape: [2], values: b)],
                                            dtype: .bf16, to: url)
            }
        }
        let reader = try SafetensorsReader(url: url)
        let widen = { (x: Float) in Float(bitPattern: UInt32(HalfPrecision.bfloat16Bits(x)) << 16) }
        XCTAssertEqual(try reader.floats("a").values, first.map(widen))
        XCTAssertEqual(try reader.floats("b").values, second.map(widen))
    }

    func testWritingDefaultsToF32() throws {
        let values: [Float] = [0.1, -2]
        let url = folder.appendingPathComponent("f32.safetensors")
        try values.withUnsafeBufferPointer { try SafetensorsWriter.write([.init(name: "x", shape: [2], values: $0)], to: url) }
        let reader = try SafetensorsReader(url: url)
        XCTAssertEqual(reader.entry("x")?.dtype, .f32)
        XCTAssertEqual(try reader.floats("x").values, values)
    }

    // MARK: Sharded writing

    private static let shardingSizes = [("a", 3), ("b", 2), ("c", 10), ("d", 1), ("e", 4)]

    /// Calls `body` with tensors named a…e of the sizes above, element i of tensor t being t.i.
    private func withShardingTensors<R>(_ body: ([SafetensorsWriter.Tensor]) throws -> R) rethrows -> R {
        let arrays = Self.shardingSizes.enumerated().map { t, item in (0..<item.1).map { Float(t) + Float($0) / 8 } }
        let flat = arrays.flatMap { $0 }
        return try flat.withUnsafeBufferPointer { buffer in
            var start = 0
            var tensors: [SafetensorsWriter.Tensor] = []
            for (name, count) in Self.shardingSizes {
                tensors.append(.init(name: name, shape: [count], values: UnsafeBufferPointer(rebasing: buffer[start..<start + count])))
                start += count
            }
            return try body(tensors)
        }
    }

    func testShardRangesFollowHuggingFace() {
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [], maxShardSize: 10), [0..<0])
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [4, 6], maxShardSize: 10), [0..<2])
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [4, 7], maxShardSize: 10), [0..<1, 1..<2])
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [30, 1, 2], maxShardSize: 10), [0..<1, 1..<3])
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [1, 30, 30, 2], maxShardSize: 10), [0..<1, 1..<2, 2..<3, 3..<4])
        XCTAssertEqual(ModelWeights.shardRanges(byteSizes: [0, 0, 10, 0], maxShardSize: 10), [0..<4])
        XCTAssertEqual(ModelWeights.shardName(3, of: 12), "model-00003-of-00012.safetensors")
        XCTAssertTrue(ModelWeights.isShardName("model-00003-of-00012.safetensors"))
        XCTAssertFalse(ModelWeights.isShardName("model-3-of-12.safetensors"))
        XCTAssertFalse(ModelWeights.isShardName("model.safetensors"))
        XCTAssertEqual(ModelWeights.defaultMaxShardSize, 5_000_000_000)
    }

    func testShardedWritingNamesIndexesAndReadsBack() throws {
        // Byte sizes in F32: a 12, b 8, c 40, d 4, e 16. A limit of 20 puts a+b together (exactly
        // 20), c alone (larger than the limit) and d+e together.
        for (dtype, limit) in [(SafetensorsDType.f32, 20), (.bf16, 10)] {
            let target = folder.appendingPathComponent(dtype.rawValue)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let written = try withShardingTensors { tensors -> [String] in
                let written = try ModelWeights.write(tensors, dtype: dtype, maxShardSize: limit, into: target)
                let weights = try ModelWeights(folder: target)
                XCTAssertTrue(weights.isSharded)
                XCTAssertEqual(weights.tensorNames, ["a", "b", "c", "d", "e"])
                for tensor in tensors {
                    let read = try weights.floats(tensor.name)
                    XCTAssertEqual(read.shape, tensor.shape)
                    XCTAssertEqual(weights.entry(tensor.name)?.dtype, dtype)
                    XCTAssertEqual(read.values, Array(tensor.values), "values are multiples of 1/8, exact in every dtype")
                }
                return written
            }
            let shards = ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"]
            XCTAssertEqual(written, shards + [ModelWeights.indexFile])
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: target.path)), Set(written))
            let index = try readIndex(target.appendingPathComponent(ModelWeights.indexFile))
            let metadata = try XCTUnwrap(index["metadata"] as? [String: Any])
            XCTAssertEqual(metadata["total_size"] as? Int, 20 * dtype.byteSize)
            XCTAssertEqual(metadata["total_parameters"] as? Int, 20)
            XCTAssertEqual(index["weight_map"] as? [String: String],
                           ["a": shards[0], "b": shards[0], "c": shards[1], "d": shards[2], "e": shards[2]])
            let held = try shards.map { try SafetensorsReader(url: target.appendingPathComponent($0)) }
            XCTAssertEqual(held.map(\.tensorNames), [["a", "b"], ["c"], ["d", "e"]])
            for reader in held { XCTAssertEqual(reader.metadata, ["format": "pt"]) }
        }
    }

    func testWritingOneFileWhenTheTotalFits() throws {
        let written = try withShardingTensors { try ModelWeights.write($0, maxShardSize: 80, into: folder) }
        XCTAssertEqual(written, [ModelWeights.singleFile])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [ModelWeights.singleFile])
        let weights = try ModelWeights(folder: folder)
        XCTAssertFalse(weights.isSharded)
        XCTAssertEqual(weights.tensorNames, ["a", "b", "c", "d", "e"])
        XCTAssertEqual(try SafetensorsReader(url: folder.appendingPathComponent(ModelWeights.singleFile)).metadata, ["format": "pt"])
    }

    func testRewritingRemovesWeightsOfTheOtherLayout() throws {
        try Data("{}".utf8).write(to: folder.appendingPathComponent("config.json"))
        try Data().write(to: folder.appendingPathComponent("model-notes.txt"))
        let others: Set = ["config.json", "model-notes.txt"]
        func contents() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) }

        let sharded = try withShardingTensors { try ModelWeights.write($0, maxShardSize: 20, into: folder) }
        XCTAssertEqual(sharded.count, 4, "three shards and the index")
        XCTAssertEqual(try contents(), others.union(sharded))
        let single = try withShardingTensors { try ModelWeights.write($0, into: folder) }
        XCTAssertEqual(try contents(), others.union(single))
        try withShardingTensors { _ = try ModelWeights.write($0, maxShardSize: 20, into: folder) }
        // a+b+c fill 60 bytes, d+e the second shard.
        let fewer = try withShardingTensors { try ModelWeights.write($0, maxShardSize: 60, into: folder) }
        XCTAssertEqual(fewer, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", ModelWeights.indexFile])
        XCTAssertEqual(try contents(), others.union(fewer), "shards of the three-shard write are gone")
        XCTAssertEqual(try ModelWeights(folder: folder).tensorNames, ["a", "b", "c", "d", "e"])
    }

    // MARK: Malformed folders

    /// A copy of the fixture's shards and index in the temporary folder.
    private func copyOfFixture() throws -> URL {
        let copy = folder.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in Self.fixtureShards + [ModelWeights.indexFile] {
            try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        return copy
    }

    private func rewriteIndex(of copy: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = copy.appendingPathComponent(ModelWeights.indexFile)
        var index = try readIndex(url)
        edit(&index)
        try JSONSerialization.data(withJSONObject: index).write(to: url)
    }

    private func editWeightMap(of copy: URL, _ edit: (inout [String: Any]) -> Void) throws {
        try rewriteIndex(of: copy) { index in
            var map = index["weight_map"] as! [String: Any]
            edit(&map)
            index["weight_map"] = map
        }
    }

    /// Opens `folder`, expecting a `ModelWeightsError` whose message holds every one of `names`.
    private func assertRefused(_ folder: URL, naming names: [String], file: StaticString = #filePath, line: UInt = #line,
                               _ check: (ModelWeightsError) -> Bool) {
        XCTAssertThrowsError(try ModelWeights(folder: folder), file: file, line: line) { error in
            guard let error = error as? ModelWeightsError else {
                return XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
            }
            for name in names {
                XCTAssertTrue(error.description.contains(name), "error does not name \(name): \(error)", file: file, line: line)
            }
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        }
    }

    private func isMalformedIndex(_ tensor: String?) -> (ModelWeightsError) -> Bool {
        { if case let .malformedIndex(_, blamed, _) = $0 { return blamed == tensor } else { return false } }
    }

    func testAFolderWithoutWeightsNamesBothFiles() {
        assertRefused(folder, naming: [folder.appendingPathComponent(ModelWeights.singleFile).path,
                                       folder.appendingPathComponent(ModelWeights.indexFile).path]) {
            if case .noWeights = $0 { return true } else { return false }
        }
    }

    func testAnIndexThatIsNotJSONIsRefused() throws {
        let copy = try copyOfFixture()
        let index = copy.appendingPathComponent(ModelWeights.indexFile)
        try Data("{\"weight_map\": {".utf8).write(to: index)
        assertRefused(copy, naming: [index.path, "not valid JSON"], isMalformedIndex(nil))
        try Data("[1, 2]".utf8).write(to: index)
        assertRefused(copy, naming: [index.path, "not a JSON object"], isMalformedIndex(nil))
    }

    func testAnIndexWithoutAWeightMapIsRefused() throws {
        let copy = try copyOfFixture()
        let index = copy.appendingPathComponent(ModelWeights.indexFile).path
        try rewriteIndex(of: copy) { $0["weight_map"] = nil }
        assertRefused(copy, naming: [index, "no weight_map"], isMalformedIndex(nil))
        try rewriteIndex(of: copy) { $0["weight_map"] = ["model-00001-of-00004.safetensors"] }
        assertRefused(copy, naming: [index, "weight_map is not an object"], isMalformedIndex(nil))
        try rewriteIndex(of: copy) { $0["weight_map"] = [String: Any]() }
        assertRefused(copy, naming: [index, "weight_map is empty"], isMalformedIndex(nil))
    }

    func testAWeightMapValueThatIsNotAStringIsRefused() throws {
        let copy = try copyOfFixture()
        try editWeightMap(of: copy) { $0["model.norm.weight"] = 4 }
        assertRefused(copy, naming: [copy.appendingPathComponent(ModelWeights.indexFile).path, "'model.norm.weight'", "not a string"],
                      isMalformedIndex("model.norm.weight"))
    }

    func testAShardPathOutsideTheFolderIsRefused() throws {
        let copy = try copyOfFixture()
        try editWeightMap(of: copy) { $0["model.norm.weight"] = "../model-00004-of-00004.safetensors" }
        assertRefused(copy, naming: [copy.appendingPathComponent(ModelWeights.indexFile).path, "'model.norm.weight'"],
                      isMalformedIndex("model.norm.weight"))
    }

    func testAMissingShardIsRefused() throws {
        let copy = try copyOfFixture()
        let shard = copy.appendingPathComponent(Self.fixtureShards[2])
        try FileManager.default.removeItem(at: shard)
        // The first tensor, by name, that the index puts in shard 3.
        let tensor = "model.layers.1.input_layernorm.weight"
        assertRefused(copy, naming: [path(shard), "'\(tensor)'", copy.appendingPathComponent(ModelWeights.indexFile).path]) {
            if case let .missingShard(_, _, blamed, others) = $0 { return blamed == tensor && others == 7 } else { return false }
        }
    }

    func testATensorItsShardDoesNotHoldIsRefused() throws {
        let copy = try copyOfFixture()
        try editWeightMap(of: copy) { $0["model.extra.weight"] = Self.fixtureShards[0] }
        assertRefused(copy, naming: [path(copy.appendingPathComponent(Self.fixtureShards[0])), "'model.extra.weight'"]) {
            if case let .tensorNotInShard(_, _, tensor) = $0 { return tensor == "model.extra.weight" } else { return false }
        }
    }

    func testATensorInTwoShardsIsRefused() throws {
        let values: [Float] = [1, 2]
        let first = folder.appendingPathComponent("first.safetensors")
        let second = folder.appendingPathComponent("second.safetensors")
        try values.withUnsafeBufferPointer { buffer in
            try SafetensorsWriter.write([.init(name: "x", shape: [2], values: buffer)], to: first)
            try SafetensorsWriter.write([.init(name: "x", shape: [2], values: buffer), .init(name: "y", shape: [2], values: buffer)],
                                        to: second)
        }
        let index: [String: Any] = ["metadata": ["total_size": 16], "weight_map": ["x": "first.safetensors", "y": "second.safetensors"]]
        try JSONSerialization.data(withJSONObject: index).write(to: folder.appendingPathComponent(ModelWeights.indexFile))
        assertRefused(folder, naming: [path(first), path(second), "'x'"]) {
            if case let .tensorInTwoShards(_, tensor, _) = $0 { return tensor == "x" } else { return false }
        }
    }

    func testATensorInAnotherShardThanTheIndexSaysIsRefused() throws {
        let copy = try copyOfFixture()
        try editWeightMap(of: copy) { $0["model.norm.weight"] = Self.fixtureShards[0] }
        let holder = path(copy.appendingPathComponent(Self.fixtureShards[3]))
        let named = path(copy.appendingPathComponent(Self.fixtureShards[0]))
        assertRefused(copy, naming: [holder, named, "'model.norm.weight'"]) {
            if case let .tensorInWrongShard(_, tensor, shard, mappedTo) = $0 {
                return tensor == "model.norm.weight" && shard == holder && mappedTo == named
            }
            return false
        }
    }

    func testATensorTheIndexDoesNotListIsRefused() throws {
        let copy = try copyOfFixture()
        try editWeightMap(of: copy) { $0["model.norm.weight"] = nil }
        assertRefused(copy, naming: [path(copy.appendingPathComponent(Self.fixtureShards[3])), "'model.norm.weight'", "does not list it"]) {
            if case let .tensorInWrongShard(_, tensor, _, mappedTo) = $0 { return tensor == "model.norm.weight" && mappedTo == nil }
            return false
        }
    }

    func testABrokenShardSurfacesAsASafetensorsErrorNamingIt() throws {
        let copy = try copyOfFixture()
        let shard = copy.appendingPathComponent(Self.fixtureShards[1])
        try Data(try Data(contentsOf: shard).dropLast(2)).write(to: shard)
        XCTAssertThrowsError(try ModelWeights(folder: copy)) { error in
            XCTAssertTrue(error is SafetensorsError, "\(error)")
            XCTAssertTrue("\(error)".contains(self.path(shard)), "\(error)")
        }
    }
}
