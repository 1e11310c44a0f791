import XCTest
@testable import CPOKit

final class GPT2DecoderTests: XCTestCase {
    /// Logits after the last token of `sequence`, by a full forward pass without a cache.
    private func recomputedLogits(_ model: GPT2, _ sequence: [Int32]) throws -> [Float] {
        try model.forward(tokens: sequence, targets: [Int32](repeating: -1, count: sequence.count), batchSize: 1, length: sequence.count)
        return model.logits(at: [sequence.count - 1])
    }

    func testCachedLogitsEqualFullRecomputation() throws {
        var config = try GPT2Config.preset("tiny", vocabularySize: 53)
        config.initializerRange = 0.2 // sharper distributions, so a wrong cache shows
        let model = try GPT2(config: config, seed: 5)
        let decoder = GPT2Decoder(model: model, rows: 3, capacity: 12)
        var sequences: [[Int32]] = [[3, 17, 8], [40, 2, 2, 9, 33], [12]]
        let vocabulary = config.vocabularySize
        func row(_ logits: UnsafeBufferPointer<Float>, _ r: Int) -> [Float] { Array(logits[r * vocabulary..<(r + 1) * vocabulary]) }

        var logits = try decoder.prefill(sequences)
        XCTAssertEqual(decoder.lengths, [3, 5, 1])
        for r in 0..<3 { XCTAssertLessThan(maxAbsoluteDifference(row(logits, r), try recomputedLogits(model, sequences[r])), 1e-4) }

        // Row 1 finishes after the first step; the others keep going.
        let steps: [[Int32?]] = [[5, 50, 7], [6, nil, 1], [30, nil, 30], [0, nil, 44]]
        for step in steps {
            let finishedBefore = (0..<3).filter { step[$0] == nil }.map { row(logits, $0) }
            logits = try decoder.decode(step)
            for r in 0..<3 { if let token = step[r] { sequences[r].append(token) } }
            XCTAssertEqual(decoder.lengths, sequences.map(\.count))
            for r in 0..<3 where step[r] != nil {
                XCTAssertLessThan(maxAbsoluteDifference(row(logits, r), try recomputedLogits(model, sequences[r])), 1e-4, "row \(r)")
            }
            XCTAssertEqual((0..<3).filter { step[$0] == nil }.map { row(logits, $0) }, finishedBefore)
        }
        // Logits vary with the context, so agreeing with recomputation means the cache was used right.
        XCTAssertGreaterThan(maxAbsoluteDifference(row(logits, 0), row(logits, 2)), 1e-2)
    }

    func testRejectsBadPromptsAndFullRows() throws {
        let model = try GPT2(config: GPT2Config.preset("tiny", vocabularySize: 20), seed: 1)
        let decoder = GPT2Decoder(model: model, rows: 2, capacity: 3)
        XCTAssertThrowsError(try decoder.prefill([[1, 2]])) { error in
            guard case .invalidBatch(input: "prompts", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.prefill([[1, 2], []])) { error in
            guard case .invalidBatch(input: "prompts[1]", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try decoder.prefill([[1, 2], [25]])) { error in
            guard case .invalidBatch(input: "tokens of row 1", _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        _ = try decoder.prefill([[1, 2], [3]])
        XCTAssertThrowsError(try decoder.decode([4, 20]))
        XCTAssertEqual(decoder.lengths, [2, 1], "a rejected step leaves the cache as it was")
        _ = try decoder.decode([4, 5])
        XCTAssertThrowsError(try decoder.decode([6, 7])) { error in
            XCTAssertEqual(error as? ModelError, .invalidBatch(input: "tokens[0]", reason: "the row's cache is full (3 tokens)"))
        }
        _ = try decoder.decode([nil, 7])
        XCTAssertEqual(decoder.lengths, [3, 3])
    }
}
