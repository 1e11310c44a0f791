import XCTest
@testable import CPOKit

/// Bad values on the command line and in the files it names, as a user meets them: each is an error
/// that names the option, key or file, with what is allowed, and comes at once.
final class CommandLineValidationTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-validation-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Runs `cpo arguments`, which must fail within a few seconds with a message containing `expected`.
    private func assertRefused(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let start = Date()
        let (status, output) = try CPOCommand.run(arguments)
        XCTAssertNotEqual(status, 0, output, file: file, line: line)
        XCTAssertTrue(output.contains(expected), "expected '\(expected)' in: \(output)", file: file, line: line)
        XCTAssertFalse(output.contains("Fatal error") || output.contains("Backtracing"), output, file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "\(arguments)", file: file, line: line)
    }

    private let tinyRun = ["train", "--preset", "tiny", "--task", "sort", "--steps", "1"]

    func testAbsurdSizesAreRefusedWithTheLimit() throws {
        try assertRefused(tinyRun + ["--task-count", "1000000000", "--out", path("a")],
                          "--task-count must be in 2...10000000, got 1000000000")
        try assertRefused(tinyRun + ["--batch-size", "1000000000", "--out", path("b")],
                          "logits for one forward pass of 1000000000 rows (--batch-size 1000000000 / 1 data group")
        try assertRefused(tinyRun + ["--objective", "cpo", "--num-candidates", "1000000", "--out", path("c")],
                          "× --num-candidates 1000000 / 1 candidate shard")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try assertRefused(tinyRun + ["--threads", "100000", "--out", path("d")], "--threads must be in 1...\(cores), the cores of this machine, got 100000")
        for name in ["a", "b", "c", "d"] { XCTAssertFalse(FileManager.default.fileExists(atPath: path("\(name)/final")), name) }
    }

    /// Trains a tiny model into `run/final` and returns a function that sets fields of its config.json
    /// and checks that `cpo score` refuses the folder with `expected` in the message.
    private func tinyModelWithConfig() throws -> (_ changes: [String: Any], _ expected: String) throws -> Void {
        let train = try CPOCommand.run(tinyRun + ["--batch-size", "2", "--task-count", "8", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(train.status, 0, train.output)
        try Data(#"{"prompt": "a", "response": "b"}"#.utf8).write(to: URL(fileURLWithPath: path("pairs.jsonl")))
        let config = URL(fileURLWithPath: path("run/final/config.json"))
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        // An edited config is a plain model folder's: the manifest would refuse it before its fields are read.
        try FileManager.default.removeItem(atPath: path("run/final/checkpoint_manifest.json"))
        return { changes, expected in
            try JSONSerialization.data(withJSONObject: original.merging(changes) { $1 }).write(to: config)
            try self.assertRefused(["score", "--model", self.path("run/final"), "--input", self.path("pairs.jsonl"), "--output", self.path("out.jsonl")],
                                   "\(config.path): " + expected)
        }
    }

    func testAConfigTooLargeForTheMachineIsRefusedOnLoad() throws {
        let refuse = try tinyModelWithConfig()
        for (key, value) in [("n_layer", 1_000_000_000), ("n_embd", 1 << 40), ("n_positions", 1_000_000_000_000)] {
            try refuse([key: value], "a model of vocab_size 257, n_positions \(key == "n_positions" ? value : 128), n_embd \(key == "n_embd" ? value : 64)")
        }
    }

    func testHyperParametersAreCheckedInThePrecisionTheyAreUsedIn() throws {
        try assertRefused(tinyRun + ["--learning-rate", "1e39", "--out", path("run")],
                          "invalid value '1e+39' for --learning-rate: a number in [1.4e-45, 3.4e+37]")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run/final")))
        try assertRefused(tinyRun + ["--objective", "cpo", "--temperature", "1e-50", "--out", path("run")], "for --temperature")
    }

    /// Issue 14: a flag the run would not use is an error, not silently ignored.
    func testOptionsTheRunDoesNotUseAreRefused() throws {
        try assertRefused(tinyRun + ["--beta", "1", "--out", path("a")],
                          "--beta does nothing here: it is used only with --objective cpo or dpo (this run: --objective mle)")
        try assertRefused(tinyRun + ["--objective", "cpo", "--negatives", "bn,tn", "--temperature", "0.7", "--out", path("b")],
                          "--temperature does nothing here: it is used only with AN negatives (--negatives with an) (this run: --objective cpo, --negatives bn,tn)")
        try assertRefused(tinyRun + ["--objective", "cpo", "--meanfield-fraction", "0.5", "--out", path("c")], "--meanfield-fraction does nothing here")
        try assertRefused(tinyRun + ["--rank-negatives", "--out", path("d")], "--rank-negatives does nothing here")
        for name in ["a", "b", "c", "d"] { XCTAssertFalse(FileManager.default.fileExists(atPath: path(name)), name) }
    }

    /// Issue 14: the default warm-up follows the run's length; a given one as long as the run is refused.
    func testTheWarmUpFitsTheRun() throws {
        let run = tinyRun.filter { $0 != "1" && $0 != "--steps" } + ["--steps", "30", "--batch-size", "2", "--task-count", "8", "--valid-fraction", "0"]
        try assertRefused(run + ["--warmup-steps", "50", "--out", path("a")],
                          "invalid value '50' for --warmup-steps: a whole number ≥ 0 and below --steps 30")
        var options = TrainingOptions()
        options.steps = 30
        XCTAssertEqual(options.effectiveWarmupSteps, 3)
        options.steps = 10_000
        XCTAssertEqual(options.effectiveWarmupSteps, 50)
        options.warmupSteps = 7
        XCTAssertEqual(options.effectiveWarmupSteps, 7)
    }

    func testNegativeNumbersReachValidation() throws {
        try assertRefused(tinyRun.filter { $0 != "1" && $0 != "--steps" } + ["--steps", "-1", "--out", path("run")],
                          "invalid value '-1' for --steps: a whole number ≥ 1")
        try assertRefused(tinyRun + ["--learning-rate", "-1e-3", "--out", path("run")], "invalid value '-0.001' for --learning-rate")
        try assertRefused(tinyRun + ["--objective", "cpo", "--temperature", "-.5", "--out", path("run")], "invalid value '-0.5' for --temperature")
    }

    func testOptionsAreNamedAsTheCommandLineSpellsThem() throws {
        try assertRefused(tinyRun + ["--objective", "cpo", "--negatives", "mn", "--meanfield-fraction", "0", "--out", path("run")],
                          "invalid value '0.0' for --meanfield-fraction: a number in (0, 1]")
        try assertRefused(tinyRun + ["--objective", "cpo", "--max-new-tokens", "0", "--out", path("run")],
                          "invalid value '0' for --max-new-tokens: a whole number in 1...128")
    }

    func testConfigFileValuesOfTheWrongTypeNameTheKey() throws {
        for (json, expected) in [(#"{"steps": 2.5}"#, "key 'steps' must be a whole number, is 2.5"),
                                 (#"{"batch-size": 1e30}"#, "key 'batch-size' must be a whole number, is 1e+30"),
                                 (#"{"learning_rate": "fast"}"#, #"key 'learning_rate' must be a number, is "fast""#),
                                 (#"{"negatives": 3}"#, "key 'negatives' must be a string, is 3"),
                                 (#"{"rank-negatives": "yes"}"#, #"key 'rank-negatives' must be true or false, is "yes""#)] {
            try Data(json.utf8).write(to: URL(fileURLWithPath: path("run.json")))
            try assertRefused(tinyRun + ["--config", path("run.json"), "--out", path("run")], "\(path("run.json")): \(expected)")
        }
    }

    func testAFractionalModelSizeNamesTheField() throws {
        try tinyModelWithConfig()(["n_embd": 64.5], "config field 'n_embd': must be a whole number of at most 64 bits, is 64.5")
    }

    func testAnOutputFolderThatIsAFileIsNamed() throws {
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path("file")))
        try Data(#"{"prompt": "sort: 2 1", "response": "1 2"}"#.utf8).write(to: URL(fileURLWithPath: path("pairs.jsonl")))
        let evaluation = ["--model", path("nowhere"), "--data", path("pairs.jsonl"), "--judge", "verifier"]
        for (arguments, out) in [(tinyRun + ["--out", path("file")], path("file")), (tinyRun + ["--out", path("file/run")], path("file")),
                                 (["eval"] + evaluation + ["--out", path("file")], path("file")),
                                 (["sweep-alpha", "--mle", path("nowhere"), "--cpo", path("nowhere"), "--data", path("pairs.jsonl"),
                                   "--judge", "verifier", "--out", path("file/sweep")], path("file")),
                                 (["ensemble", "--mle", path("nowhere"), "--cpo", path("nowhere"), "--alpha", "0.5", "--out", path("file")], path("file"))] {
            try assertRefused(arguments, "\(out): cannot write: is a file, but ")
        }
        XCTAssertEqual(try String(contentsOfFile: path("file"), encoding: .utf8), "keep me")
    }
}
