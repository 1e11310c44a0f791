import XCTest
@testable import CPOKit

/// Under mpirun, `cpo generate` shares its prompts over the ranks as `cpo eval` does, and
/// `cpo data synth` runs on rank 0 alone (issue 14, item 11).
final class MultiRankGenerateAndSynthTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("multi-rank-generate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func cpo(_ arguments: [String], ranks: Int) throws -> (status: Int32, output: String) {
        let command = ranks == 1 ? [LaunchedJob.cpoBinary]
            : ["mpirun", "-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", LaunchedJob.cpoBinary]
        return try LaunchedJob.run(command + arguments, seconds: 300)
    }

    /// Sampled from random weights, so every prompt gets its own continuation and a mix-up of
    /// prompts between ranks would show.
    func testGenerateOnTwoRanksMatchesOneRank() throws {
        let model = try GPT2(config: ChainModelForTests.config, seed: 5)
        try CheckpointFolder(url: folder.appendingPathComponent("model")).write(config: model.config, layout: model.layout,
                                                                               parameters: model.parameters, tokenizer: ByteTokenizer())
        try SyntheticDataFile.write(SortTask(), count: 5, seed: 2, to: folder.appendingPathComponent("prompts.jsonl"))
        let arguments = ["generate", "--model", path("model"), "--input", path("prompts.jsonl"), "--batch-size", "2",
                         "--max-new-tokens", "6", "--threads", "1", "--output"]
        let one = try cpo(arguments + [path("one.jsonl")], ranks: 1)
        XCTAssertEqual(one.status, 0, one.output)
        let two = try cpo(arguments + [path("two.jsonl")], ranks: 2)
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(two.output.components(separatedBy: "wrote 5 generations").count, 2, "rank 0 alone writes:\n\(two.output)")
        XCTAssertTrue(two.output.contains("generating 3/3 prompts on rank 0 of 2"), two.output)
        let records = try ["one.jsonl", "two.jsonl"].map { name in
            try String(contentsOfFile: path(name), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        XCTAssertEqual(Set(records[0].map { $0["generation"] as! String }).count, 5, "distinct samples")
        for key in ["prompt", "generation", "generation_ids", "ended_with_eos"] {
            XCTAssertEqual(records[0].map { "\($0[key]!)" }, records[1].map { "\($0[key]!)" }, key)
        }
        for (a, b) in zip(records[0], records[1]) { XCTAssertEqual(a["logprob"] as! Double, b["logprob"] as! Double, accuracy: 1e-4) }
    }

    func testDataSynthOnTwoRanksWritesOnce() throws {
        let two = try cpo(["data", "synth", "--task", "sort", "--count", "7", "--out", path("sort.jsonl")], ranks: 2)
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(two.output.components(separatedBy: "wrote 7 sort examples").count, 2, "one rank writes:\n\(two.output)")
        XCTAssertEqual(try String(contentsOfFile: path("sort.jsonl"), encoding: .utf8).split(separator: "\n").count, 7)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["sort.jsonl"], "no temporary file left")
    }
}
