import XCTest
@testable import CPOKit

final class LlamaDecoderTests: XCTestCase {
    /// Logits after the last token of `sequence`, by a full training forward pass without a cache.
    private func recomputedLogits(_ model: Llama, _ sequence: [Int32]) throws -> [Float] {
        try model.forward(tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count), batchSize: 1, length: sequence.count)
        return model.logits(at: [sequence.count - 1])
    }

    /// Prefill, then steps with a row finishing early: each row's logits are those of a full
    /// forward pass over its tokens so far. Within 1e-4, as GPT-2's decoder is held: the two paths
    /// sum the same products in other orders (the few-row kernels against sgemm), nothing more.
    private func assertCachedLogitsEqualRecomputation(_ model: Llama, file: StaticString = #filePath, line: UInt = #line) throws {
        let decoder = LlamaDecoder(model: model, rows: 3, capacity: 14)
        var sequences: [[Int32]] = [[3, 17, 8], [40, 2, 2, 9, 33, 1, 5], [12]]
        let vocabulary = model.config.vocabularySize
        func row(_ logits: UnsafeBufferPointer<Float>, _ r: Int) -> [Float] { Array(logits[r * vocabulary..<(r + 1) * vocabulary]) }

        var logits = try decoder.prefill(sequences)
        XCTAssertEqual(decoder.lengths, [3, 7, 1], file: file, line: line)
        for r in 0..<3 {
            XCTAssertLessThan(maxAbsoluteDifference(row(logits, r), try recomputedLogits(model, sequences[r])), 1e-4, file: file, line: line)
        }
        let steps: [[Int32?]] = [[5, 50, 7], [6, nil, 1], [30, nil, 30], [0, nil, 44], [9, nil, 2], [1, nil, 3], [2, nil, 4]]
        for step in steps {
            let finishedBefore = (0..<3).filter { step[$0] == nil }.map { row(logits, $0) }
            logits = try decoder.decode(step)
            for r in 0..<3 { if let token = step[r] { sequences[r].append(token) } }
            XCTAssertEqual(decoder.lengths, sequences.map(\.count), file: file, line: line)
            for r in 0..<3 where step[r] != nil {
                XCTAssertLessThan(maxAbsoluteDifference(row(logits, r), try recomputedLogits(model, sequences[r])), 1e-4, "row \(r)",
                                  file: file, line: line)
            }
            XCTAssertEqual((0..<3).filter { step[$0] == nil }.map { row(logits, $0) }, finishedBefore, file: file, line: line)
        }
        XCTAssertGreaterThan(maxAbsoluteDifference(row(logits, 0), row(logits, 2)), 1e-2, file: file, line: line)
    }

    /// llama3 RoPE, head_dim ≠ hidden / heads, grouped keys and values, every bias, a tied head.
    func testCachedLogitsEqualFullRecomputation() throws {
        let config = try LlamaConfig(vocabularySize: 53, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4, keyValueHeads: 2,
                                     headSize: 12, maxPositions: 32, attentionBias: true, mlpBias: true,
                                     ropeScaling: .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8),
                                     initializerRange: 0.2)
        try assertCachedLogitsEqualRecomputation(Llama(config: config, seed: 5))
    }

    /// Rows that outgrow a 4-position window, with an untied head.
    func testSlidingWindowCacheEqualsFullRecomputation() throws {
        let config = try LlamaConfig(modelType: "mistral", vocabularySize: 53, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4,
                                     keyValueHeads: 1, maxPositions: 32, tieWordEmbeddings: false, slidingWindow: 4, initializerRange: 0.2)
        let model = Llama(config: config, seed: 6)
        try assertCachedLogitsEqualRecomputation(model)
        // The window matters: without it the same weights give other logits.
        let full = try LlamaConfig(modelType: "mistral", vocabularySize: 53, hiddenSize: 32, intermediateSize: 40, layers: 2, heads: 4,
                                   keyValueHeads: 1, maxPositions: 32, tieWordEmbeddings: false, initializerRange: 0.2)
        let unwindowed = Llama(config: full, seed: 6)
        let sequence: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        XCTAssertGreaterThan(maxAbsoluteDifference(try recomputedLogits(model, sequence), try recomputedLogits(unwindowed, sequence)), 1e-3)
    }

    /// The PyTorch fixture through the decoder: the decoder's logits are PyTorch's too.
    func testPrefillMatchesPyTorch() throws {
        let model = try LlamaFixture.model("qwen2-tiny-window")
        let batch = try LlamaFixture.batch("qwen2-tiny-window")
        let expected = try SafetensorsReader(url: LlamaFixture.file("qwen2-tiny-window", "expected.safetensors")).floats("logits").values
        let length = batch.tokens[0].count, vocabulary = model.config.vocabularySize
        let decoder = model.makeDecoder(rows: 2, capacity: nil, reusing: nil, packsWeights: true)
        let prefix = 10
        _ = try decoder.prefill(batch.tokens.map { Array($0[..<prefix]) })
        for t in prefix..<length {
            let logits = try decoder.decode(batch.tokens.map { $0[t] })
            for b in 0..<2 {
                let reference = expected[(b * length + t) * vocabulary ..< (b * length + t + 1) * vocabulary]
                XCTAssertLessThan(maxAbsoluteDifference(logits[b * vocabulary ..< (b + 1) * vocabulary], reference), 1e-4, "row \(b), position \(t)")
            }
        }
    }

    /// A decoder made from an old one's memory serves the new model's weights and shape.
    func testReusedMemoryServesTheNewWeights() throws {
        let config = try LlamaConfig.preset("llama-tiny", vocabularySize: 40)
        let first = Llama(config: config, seed: 1), second = Llama(config: config, seed: 2)
        let old = LlamaDecoder(model: first, rows: 3, capacity: 20)
        _ = try old.prefill([[1, 2], [3], [4, 5, 6]])
        let reused = LlamaDecoder(model: second, rows: 2, capacity: 10, reusing: old)
        let fresh = LlamaDecoder(model: second, rows: 2, capacity: 10)
        XCTAssertEqual(Array(try reused.prefill([[7, 8, 9], [10]])), Array(try fresh.prefill([[7, 8, 9], [10]])))
        XCTAssertEqual(Array(try reused.decode([11, 12])), Array(try fresh.decode([11, 12])))
    }

    func testRejectsBadPromptsAndFullRows() throws {
        let model = Llama(config: try LlamaConfig.preset("llama-tiny", vocabularySize: 20), seed: 1)
        let decoder = LlamaDecoder(model: model, rows: 2, capacity: 3)
        XCTAssertThrowsError(try decoder.prefill([[1, 2]])) { error in
            guard case .invalidBatch(input: "prompts", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.prefill([[1, 2], [25]])) { error in
            guard case .invalidBatch(input: "tokens of row 1", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        _ = try decoder.prefill([[1, 2], [3]])
        _ = try decoder.decode([4, 5])
        XCTAssertThrowsError(try decoder.decode([6, 7])) { error in
            XCTAssertEqual(error as? ModelError, .invalidBatch(input: "tokens[0]", reason: "the row's cache is full (3 tokens)"))
        }
        XCTAssertEqual(decoder.lengths, [3, 2], "a rejected step leaves the cache as it was")
    }
}
