import XCTest
@testable import CPOKit

final class GeneratorBenchmarkTests: XCTestCase {
    private let config = GPT2Config(vocabularySize: 50, maxPositions: 32, channels: 32, layers: 1, heads: 2)

    func testEveryRowGeneratesAllTokensAndFiguresAreConsistent() throws {
        let result = try GenerateBenchmark.run(config: config, batchSize: 3, promptLength: 4, newTokens: 6, repeats: 1,
                                               peakShapes: [(64, 64, 64)], bandwidthBytes: 1 << 20)
        XCTAssertGreaterThan(result.generateSeconds, 0)
        XCTAssertLessThanOrEqual(result.prefillSeconds, result.generateSeconds)
        XCTAssertEqual(result.newTokensPerSecond, 18 / result.generateSeconds, accuracy: 1e-9)
        XCTAssertEqual(result.millisecondsPerDecodeStep, 1000 * result.decodeSeconds / 5, accuracy: 1e-9)
        XCTAssertEqual(result.decodeTokensPerSecond, 3 * 5 / result.decodeSeconds, accuracy: 1e-6 * result.decodeTokensPerSecond)
        XCTAssertGreaterThan(result.peak.peak.gflops, 0)
        XCTAssertGreaterThan(result.bandwidth.gigabytesPerSecond, 0)
        XCTAssertEqual(result.decodeStepWeightBytes, 4 * (12 * 32 * 32 + 50 * 32))
        XCTAssertEqual(result.decodeGigabytesPerSecond, result.decodeStepWeightBytes / result.millisecondsPerDecodeStep / 1e6,
                       accuracy: 1e-9 * result.decodeGigabytesPerSecond)
    }

    func testDecodeFLOPsGrowWithRowsAndCacheLength() {
        let one = config.decodeStepFLOPs(rows: 1, position: 10)
        XCTAssertEqual(config.decodeStepFLOPs(rows: 4, position: 10), 4 * one, accuracy: 1e-6)
        // One more cached key costs q·k and p·v: 2 multiply-adds per channel per layer.
        XCTAssertEqual(config.decodeStepFLOPs(rows: 1, position: 11) - one, 4 * 32, accuracy: 1e-6)
        // The block weights (12 C² per layer) and the LM head (V·C), 2 FLOPs per weight.
        XCTAssertEqual(config.decodeStepFLOPs(rows: 1, position: -1), 2 * (12 * 32 * 32 + 50 * 32), accuracy: 1e-6)
        XCTAssertEqual(config.decodeStepWeights, 12 * 32 * 32 + 50 * 32)
    }

    /// SmolLM2-135M's shape: 30 layers of q (576²), k and v (576·192 each), o (576²), gate, up and
    /// down (576·1536 each), and the tied head (49152·576): its 134.5M parameters without the norms.
    func testALlamaDecodeStepReadsEveryMatrixOnce() throws {
        let config = try LlamaConfig.preset("smollm2-135m")
        let attention: Double = 2 * 576 * 576 + 2 * 576 * 192
        let mlp: Double = 3 * 576 * 1536
        let head: Double = 49152 * 576
        XCTAssertEqual(config.decodeStepWeights, 30 * (attention + mlp) + head)
        XCTAssertEqual(config.decodeStepFLOPs(rows: 2, position: -1), 4 * config.decodeStepWeights, accuracy: 1)
    }

    func testPromptAndNewTokensMustFitTheContext() {
        XCTAssertThrowsError(try GenerateBenchmark.run(config: config, batchSize: 1, promptLength: 30, newTokens: 3, peakShapes: [])) {
            XCTAssertEqual(($0 as? OptionError)?.option, "prompt-len + new-tokens")
        }
    }
}
