import XCTest

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

    func testAConfigTooLargeForTheMachineIsRefusedOnLoad() throws {
        let train = try CPOCommand.run(tinyRun + ["--batch-size", "2", "--task-count", "8", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(train.status, 0, train.output)
        try Data(#"{"prompt": "a", "response": "b"}"#.utf8).write(to: URL(fileURLWithPath: path("pairs.jsonl")))
        let config = URL(fileURLWithPath: path("run/final/config.json"))
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        for (key, value) in [("n_layer", 1_000_000_000), ("n_embd", 1 << 40), ("n_positions", 1_000_000_000_000)] {
            try JSONSerialization.data(withJSONObject: original.merging([key: value]) { $1 }).write(to: config)
            try assertRefused(["score", "--model", path("run/final"), "--input", path("pairs.jsonl"), "--output", path("out.jsonl")],
                              "\(config.path): a model of ")
            try assertRefused(["score", "--model", path("run/final"), "--input", path("pairs.jsonl"), "--output", path("out.jsonl")],
                              "\(key) \(value)")
        }
    }

    func testHyperParametersAreCheckedInThePrecisionTheyAreUsedIn() throws {
        try assertRefused(tinyRun + ["--learning-rate", "1e39", "--out", path("run")],
                          "invalid value '1e+39' for --learning-rate: a number in [1.4e-45, 3.4e+37]")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run/final")))
        try assertRefused(tinyRun + ["--objective", "cpo", "--temperature", "1e-50", "--out", path("run")], "for --temperature")
    }
}
