import Foundation
import XCTest
@testable import CPOKit

final class MemoryPlanTests: XCTestCase {
    private final class Holder {
        let own = FloatBuffer(count: 10)
        let shared: FloatBuffer
        let blocks: [FloatBuffer]
        let nested: (FloatBuffer, Int)?
        init(shared: FloatBuffer) {
            self.shared = shared
            blocks = [shared, shared, FloatBuffer(count: 3)]
            nested = (FloatBuffer(count: 7), 1)
        }
    }

    func testBuffersAreCountedOnceWhereverTheyAreHeld() {
        let shared = FloatBuffer(count: 100)
        XCTAssertEqual(FloatBufferCount.floats(in: Holder(shared: shared)), 10 + 100 + 3 + 7)
        XCTAssertEqual(FloatBufferCount.floats(in: [Holder(shared: shared), Holder(shared: shared)]), 2 * (10 + 3 + 7) + 100)
    }

    /// A pass's buffers grow with its rows, and recomputing the blocks keeps fewer of them.
    func testPassBuffersGrowWithRowsAndShrinkWithRecomputation() throws {
        for model in [try ModelRegistry.preset("tiny", vocabularySize: 257).randomModel(seed: 1),
                      try ModelRegistry.preset("llama-tiny", vocabularySize: 257).randomModel(seed: 1)] {
            let one = model.passFloats(rows: 64, recomputation: .none), two = model.passFloats(rows: 128, recomputation: .none)
            XCTAssertEqual(one.logits, 64 * model.config.vocabularySize)
            XCTAssertEqual(two.total, 2 * one.total, "every pass buffer holds so many floats per row")
            let recomputed = model.passFloats(rows: 64, recomputation: .blocks)
            XCTAssertLessThan(recomputed.total, one.total)
            XCTAssertEqual(recomputed.logits, one.logits)
        }
    }

    private func plan(batchSize: Int = 8, budget: String, microBatches: Int? = nil) throws -> MemoryPlan {
        var options = TrainingOptions()
        options.objective = "cpo"
        options.batchSize = batchSize
        options.seqLen = 64
        options.activationBudget = budget
        let model = try ModelRegistry.preset("tiny", vocabularySize: 257).randomModel(seed: 1)
        return try MemoryPlan(model: model, job: .init(options: options, ranks: 1, ranksPerNode: 1, longestPrompt: 20, longestResponse: 20,
                                                        accuracyExamples: 0), microBatches: microBatches)
    }

    /// The fewest micro-batches whose passes fit the budget: each halving of the budget below one
    /// pass's size needs more of them, and a given count is kept.
    func testMicroBatchesAreTheFewestThatFitTheBudget() throws {
        let whole = try plan(budget: "1GiB")
        XCTAssertEqual(whole.microBatches, 1)
        let passBytes = whole.bytes[.activations]! + whole.bytes[.logits]!
        let halves = try plan(budget: "\(passBytes / 2)")
        XCTAssertEqual(halves.microBatches, 2)
        XCTAssertLessThanOrEqual(halves.bytes[.activations]! + halves.bytes[.logits]!, passBytes / 2)
        XCTAssertEqual(try plan(budget: "1", microBatches: nil).microBatches, 8, "one example per micro-batch when nothing fits")
        XCTAssertEqual(try plan(budget: "1", microBatches: 2).microBatches, 2)
        XCTAssertEqual(whole.peakBytesPerRank, MemoryPlan.Part.allCases.reduce(0) { $0 + whole.bytes[$1]! })
    }

    /// Generation packs a copy of the weights only when the copy fits the budget.
    func testTheDecodeCopyIsPackedOnlyWithinTheBudget() throws {
        let packed = try plan(budget: "1GiB"), inPlace = try plan(budget: "1KiB")
        XCTAssertTrue(packed.packsDecodeWeights)
        XCTAssertFalse(inPlace.packsDecodeWeights)
        XCTAssertGreaterThan(packed.bytes[.decode]!, inPlace.bytes[.decode]!)
    }

    /// Decoding from the model's own weights samples what decoding from the packed copy samples.
    func testGenerationInPlaceMatchesThePackedCopy() throws {
        let model = try ModelRegistry.preset("tiny", vocabularySize: 257).randomModel(seed: 3)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5, 6, 7, 8], [9]]
        var packed = Generator(model: model, endOfText: 0), inPlace = Generator(model: model, endOfText: 0)
        packed.packsWeights = true
        inPlace.packsWeights = false
        let options = SamplingOptions(greedy: true, maxNewTokens: 12)
        let a = try packed.generate(prompts: prompts, options: options), b = try inPlace.generate(prompts: prompts, options: options)
        XCTAssertEqual(a.map(\.tokens), b.map(\.tokens))
        // The head's products sum in another order from its own layout than from the packed copy:
        // float rounding of 64-term dot products, far below 1e-4 in the log-probabilities.
        for (x, y) in zip(a.flatMap(\.logProbs), b.flatMap(\.logProbs)) { XCTAssertEqual(x, y, accuracy: 1e-4) }
    }
}
