import XCTest
@testable import CPOKit

/// Real `mpirun` jobs of the built `cpo`: the same run must give the same numbers whatever the
/// layout of ranks, and a rank that dies must end the job without losing the last checkpoint.
final class MultiRankTrainingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ranks-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private var binary: String { LaunchedJob.cpoBinary }

    private func mpiArguments(_ ranks: Int, _ arguments: [String]) -> [String] {
        ["mpirun", "-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", binary] + arguments
    }

    @discardableResult
    private func run(_ ranks: Int, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try LaunchedJob.run(mpiArguments(ranks, arguments), seconds: 600)
    }

    private func trainArguments(out: String, steps: Int = 10, preset: String = "tiny") -> [String] {
        ["train", "--objective", "cpo", "--preset", preset, "--task", "sort", "--task-count", "120", "--negatives", "an:1,bn:1,mn:1,tn:1",
         "--num-candidates", "4", "--batch-size", "4", "--seq-len", "96", "--steps", "\(steps)", "--learning-rate", "3e-4", "--beta", "1",
         "--warmup-steps", steps > 2 ? "2" : "0", "--valid-fraction", "0.05", "--seed", "11", "--threads", "1", "--out", folder.appendingPathComponent(out).path]
    }

    private func losses(_ out: String) throws -> [Double] {
        try String(contentsOf: folder.appendingPathComponent("\(out)/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["loss"] as! Double }
    }

    private func weights(_ out: String) throws -> [Float] {
        let (model, _) = try ModelFolder.load(folder.appendingPathComponent("\(out)/final"))
        return model.parameters.toArray()
    }

    func testLayoutsGiveTheSameLossCurveAndWeights() throws {
        // The gradient sums are the same buckets whether they travel during the backward pass or after it.
        let layouts: [(name: String, ranks: Int, shards: Int, overlap: String)] = [
            ("np1", 1, 1, "auto"), ("np2-s1", 2, 1, "off"), ("np2-s2", 2, 2, "off"), ("np2-s2-overlap", 2, 2, "on"), ("np4-d2-s2", 4, 2, "auto"),
        ]
        for layout in layouts {
            let result = try run(layout.ranks, trainArguments(out: layout.name)
                                 + ["--candidate-shards", "\(layout.shards)", "--overlap-allreduce", layout.overlap])
            XCTAssertEqual(result.status, 0, "\(layout.name): \(result.output)")
        }
        let referenceLosses = try losses("np1"), referenceWeights = try weights("np1")
        let scale = referenceWeights.map { abs($0) }.max()!
        XCTAssertEqual(referenceLosses.count, 10)
        for layout in layouts.dropFirst() {
            let curve = try losses(layout.name)
            XCTAssertEqual(curve.count, 10, layout.name)
            for (a, b) in zip(curve, referenceLosses) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), "\(layout.name) loss curve") }
            let difference = zip(try weights(layout.name), referenceWeights).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(difference, 1e-5 * scale, "\(layout.name): weights differ by \(difference)")
        }
        XCTAssertEqual(try weights("np2-s2-overlap").map(\.bitPattern), try weights("np2-s2").map(\.bitPattern))
        XCTAssertEqual(try losses("np2-s2-overlap"), try losses("np2-s2"))
    }

    /// The same for a Llama (grouped-query attention, RoPE, RMSNorm, SwiGLU, untied head), with
    /// ranked negatives whose candidates are sharded over the two ranks.
    func testALlamaGivesTheSameLossCurveAndWeightsOnOneAndTwoRanks() throws {
        for (name, ranks, shards) in [("llama-np1", 1, 1), ("llama-np2-s2", 2, 2)] {
            let result = try run(ranks, trainArguments(out: name, preset: "llama-tiny") + ["--candidate-shards", "\(shards)", "--rank-negatives"])
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
        }
        XCTAssertTrue(try ModelFolder.load(folder.appendingPathComponent("llama-np1/final")).0 is Llama)
        let referenceLosses = try losses("llama-np1"), referenceWeights = try weights("llama-np1")
        let scale = referenceWeights.map { abs($0) }.max()!
        let curve = try losses("llama-np2-s2")
        XCTAssertEqual(curve.count, 10)
        for (a, b) in zip(curve, referenceLosses) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b), "loss curve") }
        let difference = zip(try weights("llama-np2-s2"), referenceWeights).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(difference, 1e-5 * scale, "weights differ by \(difference)")
    }

    private func gradientNorms(_ out: String) throws -> [Double] {
        try String(contentsOf: folder.appendingPathComponent("\(out)/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["grad_norm"] as! Double }
    }

    private func optimizerState(_ out: String, step: Int) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("\(out)/checkpoint-\(step)/\(CheckpointFolder.optimizerFile)"))
    }

    private func assertBitwiseEqual(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try weights(a).map(\.bitPattern), try weights(b).map(\.bitPattern), "\(a) against \(b): weights", file: file, line: line)
        XCTAssertEqual(try losses(a), try losses(b), "\(a) against \(b): loss curve", file: file, line: line)
        XCTAssertEqual(try gradientNorms(a), try gradientNorms(b), "\(a) against \(b): gradient norms", file: file, line: line)
    }

    /// Runs of different summation order (other ranks, or ZeRO 2 on four): the loss curves within
    /// 1e-5 relative and the weights within 1e-5 of the largest, the bounds of the layouts above.
    /// `a`'s curve has `steps` entries, the last of `b`'s.
    private func assertAgreeToSummationOrder(_ a: String, _ b: String, steps: Int = 10, file: StaticString = #filePath,
                                             line: UInt = #line) throws {
        let curve = try losses(a), reference = Array(try losses(b).suffix(steps))
        XCTAssertEqual(curve.count, steps, "\(a)", file: file, line: line)
        XCTAssertEqual(reference.count, steps, "\(b)", file: file, line: line)
        for (x, y) in zip(curve, reference) { XCTAssertEqual(x, y, accuracy: 1e-5 * abs(y), "\(a) against \(b): loss curve", file: file, line: line) }
        let referenceWeights = try weights(b), scale = referenceWeights.map { abs($0) }.max()!
        let difference = zip(try weights(a), referenceWeights).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(difference, 1e-5 * scale, "\(a) against \(b): weights differ by \(difference)", file: file, line: line)
    }

    /// ZeRO stages 1 and 2 against the all-reduce (stage 0). Every element goes through the same
    /// arithmetic at every stage; only the sums over ranks may add in another order. On two ranks
    /// a sum has one addition, which is commutative, so the stages agree bit for bit (the
    /// checkpoint's moments too), with the overlap on or off and with recomputed blocks. Stage 1
    /// sums exactly as stage 0 does on any number of ranks. On four, MPI's reduce-scatter and
    /// all-reduce may add the four contributions in different orders (the algorithm is OpenMPI's
    /// choice), so stage 2 is held to the bounds of other rank layouts, as are several micro-batches
    /// per step, which stage 2 sends once each instead of adding them up first.
    func testZeROStagesTrainAsTheAllReduceDoes() throws {
        let runs: [(name: String, ranks: Int, shards: Int, extra: [String])] = [
            ("z0-np1", 1, 1, ["--zero", "0"]), ("z2-np1", 1, 1, ["--zero", "2"]),
            ("z0-np2", 2, 2, ["--zero", "0"]), ("z1-np2", 2, 2, ["--zero", "1"]), ("z2-np2", 2, 2, ["--zero", "2"]),
            ("z2-np2-overlap", 2, 2, ["--zero", "2", "--overlap-allreduce", "on"]),
            ("z2-np2-recompute", 2, 2, ["--zero", "2", "--recompute", "blocks"]),
            ("z0-np4", 4, 2, ["--zero", "0"]), ("z1-np4", 4, 2, ["--zero", "1"]), ("z2-np4", 4, 2, ["--zero", "2"]),
            ("z0-np2-accumulate", 2, 1, ["--zero", "0", "--grad-accumulation", "2"]),
            ("z2-np2-accumulate", 2, 1, ["--zero", "2", "--grad-accumulation", "2", "--overlap-allreduce", "on"]),
        ]
        for run in runs {
            let result = try self.run(run.ranks, trainArguments(out: run.name) + ["--candidate-shards", "\(run.shards)", "--overlap-allreduce", "off",
                                                                             "--save-every", "5"] + run.extra)
            XCTAssertEqual(result.status, 0, "\(run.name): \(result.output)")
        }
        XCTAssertEqual(try losses("z0-np1").count, 10)
        try assertBitwiseEqual("z2-np1", "z0-np1")
        for name in ["z1-np2", "z2-np2", "z2-np2-overlap", "z2-np2-recompute"] {
            try assertBitwiseEqual(name, "z0-np2")
            XCTAssertEqual(try optimizerState(name, step: 5), try optimizerState("z0-np2", step: 5), "\(name): optimizer state")
        }
        try assertBitwiseEqual("z1-np4", "z0-np4")
        XCTAssertEqual(try optimizerState("z1-np4", step: 5), try optimizerState("z0-np4", step: 5), "z1-np4: optimizer state")
        try assertAgreeToSummationOrder("z2-np4", "z0-np4")
        try assertAgreeToSummationOrder("z2-np2-accumulate", "z0-np2-accumulate")
        for name in ["z2-np2", "z2-np4", "z2-np2-accumulate"] { try assertAgreeToSummationOrder(name, "z0-np1") }
    }

    /// A checkpoint holds the whole moments whatever the number of ranks: saved by four ranks at
    /// ZeRO 2, it resumes on two at stage 2, each rank reading its own shard, exactly as stage 0
    /// reads all of it, and continues the four-rank run to summation order.
    func testACheckpointSavedOnFourRanksResumesOnTwo() throws {
        let saved = try run(4, trainArguments(out: "np4") + ["--candidate-shards", "2", "--zero", "2", "--save-every", "5"])
        XCTAssertEqual(saved.status, 0, saved.output)
        for (name, stage) in [("resumed-z2", "2"), ("resumed-z0", "0")] {
            let checkpoint = folder.appendingPathComponent("\(name)/checkpoint-5")
            try FileManager.default.createDirectory(at: checkpoint.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: folder.appendingPathComponent("np4/checkpoint-5"), to: checkpoint)
            let resumed = try run(2, trainArguments(out: name) + ["--candidate-shards", "2", "--zero", stage, "--resume"])
            XCTAssertEqual(resumed.status, 0, resumed.output)
            XCTAssertTrue(resumed.output.contains("resuming at step 5"), resumed.output)
        }
        try assertBitwiseEqual("resumed-z2", "resumed-z0")
        try assertAgreeToSummationOrder("resumed-z2", "np4", steps: 5)
    }

    func testIndivisibleLayoutsAreRejected() throws {
        var result = try run(2, trainArguments(out: "bad", steps: 1) + ["--candidate-shards", "3"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--candidate-shards"), result.output)
        result = try run(2, Array(trainArguments(out: "bad2", steps: 1).dropLast(2)) + ["--out", folder.appendingPathComponent("bad2").path,
                                                                                         "--batch-size", "3", "--num-candidates", "2", "--negatives", "tn"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--batch-size"), result.output)
    }

    func testAKilledRankEndsTheJobAndTheLastCheckpointResumes() throws {
        let arguments = trainArguments(out: "killed", steps: 400) + ["--save-every", "2", "--keep-checkpoints", "0"]
        let job = try LaunchedJob(mpiArguments(2, arguments))
        let run = folder.appendingPathComponent("killed")
        let deadline = Date().addingTimeInterval(300)
        while !CheckpointFolder(step: 4, in: run).isComplete && Date() < deadline && job.isRunning { usleep(200_000) }
        XCTAssertTrue(job.isRunning, "the job ended before it could be killed")
        // Kill one rank (a child of mpirun running cpo), as a crashed node would.
        let ranks = try childProcesses(of: job.processIdentifier)
        XCTAssertEqual(ranks.count, 2, "ranks: \(ranks)")
        kill(ranks[1], SIGKILL)
        let status = job.wait(seconds: 120)
        XCTAssertNotNil(status, "the job still runs after one rank was killed: \(job.output)")
        XCTAssertNotEqual(status, 0, job.output)
        XCTAssertTrue(job.output.contains("signal 9"), "mpirun does not say which rank died: \(job.output)")

        let newest = try XCTUnwrap(try CheckpointFolder.newestIntact(in: run).checkpoint)
        XCTAssertGreaterThanOrEqual(newest.step ?? 0, 4)
        let names = try FileManager.default.contentsOfDirectory(atPath: run.path)
        XCTAssertFalse(names.contains { $0.hasPrefix("checkpoint-") && !CheckpointFolder(url: run.appendingPathComponent($0)).isComplete },
                       "an incomplete checkpoint is left under a checkpoint name: \(names)")
        let resumed = try self.run(2, trainArguments(out: "killed", steps: (newest.step ?? 0) + 2) + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming at step \(newest.step!)"), resumed.output)
    }

    /// Processes whose parent is `pid` and whose command is the cpo binary.
    private func childProcesses(of pid: Int32) throws -> [Int32] {
        var children: [Int32] = []
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) != nil else { continue }
            // mpirun starts the ranks through its own daemon or directly; walk up to mpirun.
            var parent = Int32(fields[1])!
            var depth = 0
            while parent != pid && parent > 1 && depth < 4, let up = parentOf(parent) { parent = up; depth += 1 }
            let command = (try? String(contentsOfFile: "/proc/\(entry)/cmdline", encoding: .utf8)) ?? ""
            if parent == pid && command.hasPrefix(binary) { children.append(child) }
        }
        return children.sorted()
    }

    private func parentOf(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
