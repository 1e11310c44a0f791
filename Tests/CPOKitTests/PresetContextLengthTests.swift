import Foundation
import XCTest
@testable import CPOKit

/// `--n-positions` sets a preset's context (issue 14, item 4); `--seq-len` beyond it is an error.
final class PresetContextLengthTests: XCTestCase {
    func testAPresetTakesAnotherContextLength() throws {
        for name in ["tiny", "llama-tiny"] {
            let own = try ModelRegistry.preset(name)
            XCTAssertEqual(own.maxPositions, 128, name)
            let longer = try ModelRegistry.preset(name, maxPositions: 300)
            XCTAssertEqual(longer.maxPositions, 300, name)
            XCTAssertEqual(longer.vocabularySize, own.vocabularySize, name)
            XCTAssertEqual(longer.layers, own.layers, name)
            let written = try JSONSerialization.jsonObject(with: longer.configJSON()) as! [String: Any]
            XCTAssertEqual(written[type(of: longer).positionsField] as? Int, 300, name)
        }
        let gpt2 = try XCTUnwrap(ModelRegistry.preset("tiny", maxPositions: 32).zeroModel() as? GPT2)
        XCTAssertEqual(gpt2.layout.specs.first { $0.name.hasSuffix("wpe.weight") }?.shape, [32, 64], "the position embeddings have one row a position")
        XCTAssertThrowsError(try ModelRegistry.preset("tiny", maxPositions: 0)) { error in
            XCTAssertTrue("\(error)".contains("n_positions"), "\(error)")
        }
    }

    func testTheCommandLineChecksNPositions() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("positions-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run").path
        let refusals: [(arguments: [String], message: String)] = [
            (["--preset", "tiny", "--n-positions", "1"], "--n-positions must be a whole number ≥ 2 (the positions of the model's context), got 1"),
            (["--model", folder.path, "--n-positions", "64"], "--n-positions sets a preset's context; a --model folder has its own"),
            (["--preset", "tiny", "--n-positions", "64"], "invalid value '128' for --seq-len: at most the model's n_positions, 64"),
        ]
        for (arguments, message) in refusals {
            let result = try CPOCommand.run(["train"] + arguments + ["--task", "sort", "--out", out])
            XCTAssertNotEqual(result.status, 0, result.output)
            XCTAssertTrue(result.output.contains(message), "\(arguments): \(result.output)")
        }
        // From --config too, as every option of train.
        let job = folder.appendingPathComponent("run.json")
        try Data(#"{"preset": "tiny", "n-positions": 160}"#.utf8).write(to: job)
        let trained = try CPOCommand.run(["train", "--config", job.path, "--seq-len", "150", "--task", "sort", "--task-count", "4",
                                          "--steps", "1", "--batch-size", "2", "--valid-fraction", "0", "--out", out])
        XCTAssertEqual(trained.status, 0, trained.output)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/final/config.json"))) as! [String: Any]
        XCTAssertEqual(config["n_positions"] as? Int, 160)
    }
}
