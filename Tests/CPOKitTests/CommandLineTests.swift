import XCTest
@testable import CPOKit

/// Runs the built `cpo` binary the way a user does, for what only the command line shows:
/// exit codes, error messages and the files a run leaves.
final class CommandLineTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    @discardableResult
    private func cpo(_ arguments: [String]) throws -> (status: Int32, output: String) { try CPOCommand.run(arguments) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// `run/final`: a tiny model trained for one step on `sort.jsonl`, 4 examples of the sort task.
    private func trainTinyModel() throws {
        try cpo(["data", "synth", "--task", "sort", "--count", "4", "--out", path("sort.jsonl")])
        let train = try cpo(["train", "--preset", "tiny", "--data", path("sort.jsonl"), "--steps", "1", "--batch-size", "2",
                             "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(train.status, 0, train.output)
    }

    /// Issue 14's first reproduction: a second run into the same `--out` neither mixes with the first
    /// nor, with `--resume`, continues it as if it were the same run.
    func testARunFolderHoldsOneRun() throws {
        let reverse = ["train", "--preset", "tiny", "--task", "reverse", "--task-count", "20", "--steps", "2", "--batch-size", "2",
                       "--valid-fraction", "0", "--out", path("run")]
        XCTAssertEqual(try cpo(reverse).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run/checkpoint-2/trainer_state.json")), "the last step is a checkpoint")
        func copyTask(steps: Int) -> [String] {
            ["train", "--preset", "tiny", "--task", "copy", "--task-count", "20", "--steps", "\(steps)", "--batch-size", "2",
             "--valid-fraction", "0", "--out", path("run")]
        }
        let copy = copyTask(steps: 3)
        let mixed = try cpo(copy)
        XCTAssertEqual(mixed.status, 1, mixed.output)
        XCTAssertTrue(mixed.output.contains("--out") && mixed.output.contains("holds another run") && mixed.output.contains("--overwrite"), mixed.output)
        let wrongRun = try cpo(copy + ["--resume"])
        XCTAssertEqual(wrongRun.status, 1, wrongRun.output)
        XCTAssertTrue(wrongRun.output.contains("--task copy (saved reverse)"), wrongRun.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run/checkpoint-2")), "a refused run removes nothing")
        XCTAssertNotEqual(try cpo(copy + ["--resume", "--overwrite"]).status, 0)

        let replaced = try cpo(copy + ["--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("run")).sorted(), ["checkpoint-3", "final", "metrics.jsonl"])
        let extended = try cpo(copyTask(steps: 4) + ["--resume"])
        XCTAssertEqual(extended.status, 0, extended.output)
        XCTAssertTrue(extended.output.contains("resuming at step 3"), extended.output)
    }

    /// Issue 14's late failure: a line without enough `negatives` for `--negatives file` fails the run
    /// before its first step, naming the file and the line, not when a batch first reaches it.
    func testTooFewFileNegativesFailBeforeTheFirstStep() throws {
        let enough = #"{"prompt": "a", "response": "b", "negatives": ["c", "d", "e"]}"#
        let lines = Array(repeating: enough, count: 6) + [#"{"prompt": "a", "response": "b", "negatives": ["c"]}"#] + Array(repeating: enough, count: 3)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path("negatives.jsonl")))
        let result = try cpo(["train", "--objective", "cpo", "--preset", "tiny", "--data", path("negatives.jsonl"), "--negatives", "file",
                              "--num-candidates", "4", "--batch-size", "2", "--steps", "40", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("\(path("negatives.jsonl")):7: has 1 negatives, but --negatives file with --num-candidates 4 needs at least 3"),
                      result.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run/metrics.jsonl")), "no step ran")
    }

    /// Issue 14: `--config` takes every option of train, the job's too, and names an unknown key
    /// before any other problem; flags on the command line win.
    func testConfigFileGivesTheWholeJob() throws {
        let config = URL(fileURLWithPath: path("run.json"))
        let job = #"{"preset": "tiny", "task": "sort", "task-count": 8, "steps": 3, "batch_size": 2, "valid-fraction": 0, "out": "\#(path("run"))"}"#
        try Data(job.utf8).write(to: config)
        let result = try cpo(["train", "--config", config.path, "--steps", "2"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("2 steps of 2"), result.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("run/final/config.json")))
        try Data(#"{"preset": "tiny", "tsk": "sort"}"#.utf8).write(to: config)
        let misspelt = try cpo(["train", "--config", config.path])
        XCTAssertNotEqual(misspelt.status, 0)
        XCTAssertTrue(misspelt.output.contains("\(config.path): unknown key 'tsk'"), misspelt.output)
        try Data(#"{"preset": 3, "task": "sort", "out": "x"}"#.utf8).write(to: config)
        let wrongType = try cpo(["train", "--config", config.path])
        XCTAssertTrue(wrongType.output.contains("key 'preset' must be a string"), wrongType.output)
    }

    func testUnknownPresetListsTheAllowedOnes() throws {
        let (status, output) = try cpo(["train", "--preset", "huge", "--task", "sort", "--out", path("run")])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("huge") && output.contains("gpt2-124m"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run/final")))
    }

    func testInvalidHyperParameterNamesTheOption() throws {
        let (status, output) = try cpo(["train", "--preset", "tiny", "--task", "sort", "--learning-rate", "-1", "--out", path("run")])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("--learning-rate"), output)
    }

    func testMalformedDataNamesFileAndLine() throws {
        let data = path("bad.jsonl")
        try Data("{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\"\n".utf8).write(to: URL(fileURLWithPath: data))
        let (status, output) = try cpo(["train", "--preset", "tiny", "--data", data, "--out", path("run")])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("bad.jsonl:2"), output)
    }

    func testEmptyDataIsAnError() throws {
        let data = path("empty.jsonl")
        try Data("\n\n".utf8).write(to: URL(fileURLWithPath: data))
        let (status, output) = try cpo(["train", "--preset", "tiny", "--data", data, "--out", path("run")])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("empty.jsonl"), output)
    }

    func testSynthTrainScoreAndGenerate() throws {
        var result = try cpo(["data", "synth", "--task", "reverse", "--count", "30", "--seed", "3", "--out", path("reverse.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        let lines = try String(contentsOfFile: path("reverse.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 30)

        result = try cpo(["train", "--preset", "tiny", "--data", path("reverse.jsonl"), "--steps", "2", "--batch-size", "2",
                          "--seq-len", "96", "--valid-fraction", "0.1", "--out", path("run")])
        XCTAssertEqual(result.status, 0, result.output)
        let metrics = try String(contentsOfFile: path("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metrics.count, 2)
        let last = try JSONSerialization.jsonObject(with: Data(metrics[1].utf8)) as! [String: Any]
        for key in ["step", "loss", "lr", "tokens_per_s", "eval_loss"] { XCTAssertNotNil(last[key], key) }

        result = try cpo(["score", "--model", path("run/final"), "--input", path("reverse.jsonl"), "--output", path("scores.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        let scored = try String(contentsOfFile: path("scores.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(scored.count, 30)
        let first = try JSONSerialization.jsonObject(with: Data(scored[0].utf8)) as! [String: Any]
        let tokenLogProbs = first["token_logprobs"] as! [Double]
        XCTAssertEqual(first["logprob"] as! Double, tokenLogProbs.reduce(0, +), accuracy: 1e-4)
        XCTAssertTrue(tokenLogProbs.allSatisfy { $0 < 0 })

        result = try cpo(["generate", "--model", path("run/final"), "--input", path("reverse.jsonl"), "--max-new-tokens", "4",
                          "--greedy", "--output", path("generations.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try String(contentsOfFile: path("generations.jsonl"), encoding: .utf8).split(separator: "\n").count, 30)
    }

    func testScoreUsesTokenIdsExactlyAsGiven() throws {
        try trainTinyModel()
        try Data(#"{"prompt_ids": [1, 2, 3], "response_ids": [4, 5]}"#.utf8).write(to: URL(fileURLWithPath: path("ids.jsonl")))
        let result = try cpo(["score", "--model", path("run/final"), "--input", path("ids.jsonl"), "--output", path("out.jsonl")])
        XCTAssertEqual(result.status, 0, result.output)
        let record = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path("out.jsonl")))) as! [String: Any]
        XCTAssertEqual((record["token_logprobs"] as! [Double]).count, 2, "no end-of-text token is added to token-id responses")
    }

    func testScoreReadsCRLFAndCROnlyLineEnds() throws {
        try trainTinyModel()
        let pair = #"{"prompt": "a", "response": "b"}"#, other = #"{"prompt": "c", "response": "d"}"#
        for (name, text) in [("crlf", "\(pair)\r\n\r\n\(other)\r\n"), ("cr", "\r\r\(pair)\r\(other)\r"), ("cr-blank", "\r\n\r\n\(pair)\n")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path("\(name).jsonl")))
            let result = try cpo(["score", "--model", path("run/final"), "--input", path("\(name).jsonl"), "--output", path("\(name).out")])
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
            let records = try String(contentsOfFile: path("\(name).out"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            XCTAssertEqual(records.map { $0["prompt"] as? String }, name == "cr-blank" ? ["a"] : ["a", "c"], name)
        }
        try Data("\(pair)\r\n{\"prompt\": \"c\"}\r\n".utf8).write(to: URL(fileURLWithPath: path("bad.jsonl")))
        let bad = try cpo(["score", "--model", path("run/final"), "--input", path("bad.jsonl"), "--output", path("bad.out")])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.output.contains("bad.jsonl:2: missing field 'response'"), bad.output)
    }

    func testNonFiniteWeightsAreRefusedOnLoadNamingTheTensor() throws {
        try trainTinyModel()
        // One NaN in the final LayerNorm's gain, written into the file in place.
        let weights = URL(fileURLWithPath: path("run/final/model.safetensors"))
        let range = try XCTUnwrap(try SafetensorsReader(url: weights).entry("transformer.ln_f.weight")).range
        var bytes = try Data(contentsOf: weights)
        let dataStart = 8 + bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(dataStart + range.lowerBound + 8 ..< dataStart + range.lowerBound + 12, with: $0) }
        try bytes.write(to: weights)
        // As a model folder made elsewhere: with the manifest, its checksum would refuse the edit first.
        try FileManager.default.removeItem(atPath: path("run/final/\(CheckpointFolder.manifestFile)"))
        for arguments in [["generate", "--model", path("run/final"), "--prompt", "sort: 3 1", "--greedy", "--max-new-tokens", "4"],
                          ["generate", "--model", path("run/final"), "--prompt", "sort: 3 1", "--top-p", "0.9", "--max-new-tokens", "4"],
                          ["score", "--model", path("run/final"), "--input", path("sort.jsonl"), "--output", path("scores.jsonl")],
                          ["eval", "--model", path("run/final"), "--data", path("sort.jsonl"), "--judge", "verifier", "--out", path("eval")],
                          ["train", "--model", path("run/final"), "--data", path("sort.jsonl"), "--steps", "1", "--batch-size", "2",
                           "--valid-fraction", "0", "--out", path("run2")]] {
            let result = try cpo(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments[0]): \(result.output)")
            XCTAssertTrue(result.output.contains("\(weights.path): tensor 'transformer.ln_f.weight' holds nan at element 2"),
                          "\(arguments[0]): \(result.output)")
        }
    }

    func testMaxNewTokensBeyondTheContextIsRefusedAtOnce() throws {
        try trainTinyModel()
        let start = Date()
        for arguments in [["generate", "--model", path("run/final"), "--prompt", "sort: 3 1"],
                          ["eval", "--model", path("run/final"), "--data", path("sort.jsonl"), "--judge", "verifier", "--out", path("eval")],
                          ["train", "--objective", "cpo", "--model", path("run/final"), "--data", path("sort.jsonl"), "--steps", "1",
                           "--batch-size", "2", "--valid-fraction", "0", "--out", path("run2")]] {
            let result = try cpo(arguments + ["--max-new-tokens", "1000000000000"])
            XCTAssertEqual(result.status, 1, "\(arguments[0]): \(result.output)")
            XCTAssertTrue(result.output.contains("invalid value '1000000000000' for --max-new-tokens: a whole number in 1...128"),
                          "\(arguments[0]): \(result.output)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
    }

    func testCPOWithNegativesFromTheDataFile() throws {
        let lines = (0..<6).map { i in
            #"{"prompt": "say \#(i)", "response": "\#(i)\#(i)", "negatives": ["x\#(i)", "y\#(i)", "\#(i)\#(i)"]}"#
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path("pairs.jsonl")))
        let result = try cpo(["train", "--objective", "cpo", "--preset", "tiny", "--data", path("pairs.jsonl"), "--negatives", "file",
                              "--num-candidates", "4", "--batch-size", "2", "--steps", "2", "--valid-fraction", "0", "--out", path("run")])
        XCTAssertEqual(result.status, 0, result.output)
        let metrics = try String(contentsOfFile: path("run/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // Each example's third negative repeats its ground truth: masked out and counted.
        XCTAssertEqual(metrics.map { $0["duplicate_negatives"] as! Double }, [2, 2])

        let short = try cpo(["train", "--objective", "cpo", "--preset", "tiny", "--data", path("pairs.jsonl"), "--negatives", "file",
                             "--num-candidates", "5", "--batch-size", "2", "--steps", "1", "--valid-fraction", "0", "--out", path("run2")])
        XCTAssertNotEqual(short.status, 0)
        XCTAssertTrue(short.output.contains("pairs.jsonl") || short.output.contains("line"), short.output)
    }
}
