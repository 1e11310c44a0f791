import XCTest
@testable import CPOKit

/// `--recompute blocks`: each block's forward runs again in the backward pass, from the block
/// output kept per layer, with the same kernels on the same numbers, so every figure is the same
/// bit for bit as when every activation is kept.
final class ActivationRecomputationTests: XCTestCase {
    /// Two passes that accumulate into the gradients, the second over fewer rows than the
    /// activations were made for, with loss weights that differ per position.
    private func assertBitIdentical(_ make: () throws -> any LanguageModel, file: StaticString = #filePath, line: UInt = #line) throws {
        func run(_ recomputation: ActivationRecomputation) throws -> (gradients: [UInt32], nll: [UInt32], hidden: [UInt32]) {
            let model = try make()
            model.recomputation = recomputation
            model.gradients.zero()
            var nll: [UInt32] = [], hidden: [UInt32] = []
            for (batchSize, length) in [(3, 9), (2, 7)] {
                let rows = batchSize * length, vocabulary = model.config.vocabularySize
                let tokens: [Int32] = (0..<rows).map { (i: Int) -> Int32 in Int32((i * 7 + batchSize) % vocabulary) }
                let targets: [Int32] = (0..<rows).map { (i: Int) -> Int32 in i % 5 == 4 ? -1 : Int32((i * 3 + 1) % vocabulary) }
                try model.forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
                nll += model.nll.map(\.bitPattern)
                hidden += model.hiddenStates.map(\.bitPattern)
                let weights: [Float] = (0..<rows).map { (i: Int) -> Float in 0.01 * Float(i % 4 + 1) }
                model.backward(lossWeights: weights, reduction: nil)
            }
            return (model.gradients.toArray().map(\.bitPattern), nll, hidden)
        }
        let kept = try run(.none), recomputed = try run(.blocks)
        XCTAssertEqual(recomputed.nll, kept.nll, "nll", file: file, line: line)
        XCTAssertEqual(recomputed.hidden, kept.hidden, "hidden states", file: file, line: line)
        XCTAssertEqual(recomputed.gradients, kept.gradients, "gradients", file: file, line: line)
        XCTAssertTrue(kept.gradients.contains { $0 != 0 }, file: file, line: line)
    }

    func testGPT2GradientsAreBitIdentical() throws {
        try assertBitIdentical { try GPT2(config: GPT2Config(vocabularySize: 37, maxPositions: 16, channels: 24, layers: 3, heads: 2), seed: 3) }
    }

    /// llama3 RoPE, every bias, grouped-query attention, explicit head_dim, tied head and padding.
    func testLlamaGradientsAreBitIdentical() throws {
        try assertBitIdentical { try LlamaFixture.model("llama-tiny-llama3") }
    }

    /// Sliding-window attention on every layer.
    func testMistralGradientsAreBitIdentical() throws {
        try assertBitIdentical { try LlamaFixture.model("mistral-tiny-window") }
    }

    /// One block's activations serve every layer; each layer keeps its own output.
    func testEveryLayerSharesOneBlocksActivations() throws {
        let model = try GPT2(config: GPT2Config(vocabularySize: 37, maxPositions: 16, channels: 24, layers: 3, heads: 2), seed: 3)
        model.recomputation = .blocks
        try model.forward(tokens: [1, 2, 3, 4], targets: [2, 3, 4, 5], batchSize: 1, length: 4)
        let blocks = try XCTUnwrap(model.activations).blocks
        XCTAssertTrue(blocks.allSatisfy { $0.qkv === blocks[0].qkv && $0.mlp === blocks[0].mlp })
        XCTAssertEqual(Set(blocks.map { ObjectIdentifier($0.residualAfterMLP) }).count, 3)
        model.recomputation = .none
        try model.forward(tokens: [1, 2, 3, 4], targets: [2, 3, 4, 5], batchSize: 1, length: 4)
        let kept = try XCTUnwrap(model.activations).blocks
        XCTAssertEqual(Set(kept.map { ObjectIdentifier($0.qkv) }).count, 3)
    }

    /// A CPO run (the policy recomputes, the reference never keeps block activations) ends with the
    /// same weights either way; an unknown value is refused, naming the allowed ones.
    func testTrainingWithRecomputationGivesTheSameWeights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recompute-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        func train(_ recompute: String) throws -> (status: Int32, output: String) {
            try CPOCommand.run(["train", "--objective", "cpo", "--preset", "llama-tiny", "--task", "sort", "--task-count", "40",
                                "--negatives", "bn:1,tn:1", "--num-candidates", "3", "--batch-size", "3", "--seq-len", "48", "--steps", "2",
                                "--valid-fraction", "0", "--recompute", recompute, "--out", folder.appendingPathComponent(recompute).path])
        }
        for recompute in ["none", "blocks"] {
            let result = try train(recompute)
            XCTAssertEqual(result.status, 0, result.output)
        }
        func weights(_ name: String) throws -> Data {
            try Data(contentsOf: folder.appendingPathComponent("\(name)/final/model.safetensors"))
        }
        XCTAssertEqual(try weights("blocks"), try weights("none"))
        let refused = try train("layers")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("none or blocks"), refused.output)
    }
}
