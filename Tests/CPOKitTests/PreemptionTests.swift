import Foundation
import XCTest

/// A signal stops `cpo train` after the current step with a checkpoint (exit status 75), and
/// `--resume` then ends with the weights of a run that was never stopped, bit for bit.
final class PreemptionTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("preempt-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func train(_ out: String) -> [String] {
        [LaunchedJob.cpoBinary, "train", "--objective", "cpo", "--preset", "tiny", "--task", "sort", "--task-count", "200",
         "--negatives", "an:1,bn:1", "--batch-size", "4", "--steps", "40", "--valid-fraction", "0", "--seed", "3", "--threads", "1",
         "--out", folder.appendingPathComponent(out).path]
    }

    private func weights(_ out: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("\(out)/final/model.safetensors"))
    }

    /// Waits until the run has finished `steps` steps (its metrics say so), then signals it.
    private func stop(_ job: LaunchedJob, out: String, after steps: Int, signal: Int32, pid: () -> Int32) throws {
        let metrics = folder.appendingPathComponent("\(out)/metrics.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while (try? String(contentsOf: metrics, encoding: .utf8))?.split(separator: "\n").count ?? 0 < steps {
            guard Date() < deadline else { return XCTFail("the run did not reach step \(steps)") }
            usleep(20_000)
        }
        kill(pid(), signal)
    }

    private func resumeAndCompare(_ out: String, stopStatus: Int32?, output: String) throws {
        XCTAssertEqual(stopStatus, 75, output)
        XCTAssertTrue(output.contains("stopped by a signal after step"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(out)/final").path), "a stopped run wrote final/")
        let resumed = try LaunchedJob.run(train(out) + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming at step"), resumed.output)
        let straight = try LaunchedJob.run(train("straight"))
        XCTAssertEqual(straight.status, 0, straight.output)
        XCTAssertEqual(try weights(out), try weights("straight"), "stopped and resumed differs from straight")
    }

    func testSIGTERMStopsWithACheckpointAndResumeEndsBitIdentical() throws {
        let job = try LaunchedJob(train("stopped"))
        try stop(job, out: "stopped", after: 5, signal: SIGTERM) { job.processIdentifier }
        let status = job.wait(seconds: 120)
        try resumeAndCompare("stopped", stopStatus: status, output: job.output)
    }

    /// Ctrl-C stops a run as SIGTERM does: after the step, with that step's checkpoint.
    func testSIGINTStopsWithACheckpointToo() throws {
        let job = try LaunchedJob(train("interrupted"))
        try stop(job, out: "interrupted", after: 3, signal: SIGINT) { job.processIdentifier }
        XCTAssertEqual(job.wait(seconds: 120), 75, job.output)
        let line = try XCTUnwrap(job.output.split(separator: "\n").first { $0.contains("stopped by a signal after step") }, job.output)
        let step = try XCTUnwrap(Int(line.split(separator: " ").first { Int($0) != nil } ?? ""), String(line))
        let state = folder.appendingPathComponent("interrupted/checkpoint-\(step)/trainer_state.json")
        XCTAssertTrue(FileManager.default.fileExists(atPath: state.path), job.output)
    }

    /// Under mpirun through launch/local.sh, which turns SIGTERM into the SIGUSR1 mpirun forwards;
    /// compared with a straight run of the same layout (layouts agree to rounding, not bit for bit).
    func testTwoRanksStopTogetherUnderMpirun() throws {
        func twoRanks(_ out: String, _ extra: [String] = []) -> [String] {
            ["launch/local.sh", "2"] + train(out).dropFirst() + ["--candidate-shards", "2"] + extra
        }
        let environment = ["CPO_BINARY": LaunchedJob.cpoBinary]
        let job = try LaunchedJob(twoRanks("stopped"), environment: environment)
        try stop(job, out: "stopped", after: 5, signal: SIGTERM) { job.processIdentifier }
        let status = job.wait(seconds: 120)
        XCTAssertEqual(status, 75, job.output)
        XCTAssertTrue(job.output.contains("stopped by a signal after step"), job.output)
        let resumed = try LaunchedJob.run(twoRanks("stopped", ["--resume"]), environment: environment)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        let straight = try LaunchedJob.run(twoRanks("straight"), environment: environment)
        XCTAssertEqual(straight.status, 0, straight.output)
        XCTAssertEqual(try weights("stopped"), try weights("straight"))
    }

    /// A learning rate that makes the loss overflow: no step with a non-finite loss is applied,
    /// the run ends with an error naming the step, and every checkpoint holds finite weights.
    func testADivergingRunStopsAndSavesOnlyFiniteWeights() throws {
        let out = folder.appendingPathComponent("nan")
        let result = try LaunchedJob.run([LaunchedJob.cpoBinary, "train", "--preset", "tiny", "--task", "sort", "--task-count", "100",
                                          "--learning-rate", "1e4", "--grad-clip", "0", "--warmup-steps", "0", "--steps", "60",
                                          "--save-every", "1", "--keep-checkpoints", "0", "--valid-fraction", "0", "--threads", "1",
                                          "--out", out.path])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("training diverged at step"), result.output)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertFalse(checkpoints.isEmpty, "the run saved nothing before it diverged: \(result.output)")
        for checkpoint in checkpoints {
            let data = try Data(contentsOf: out.appendingPathComponent("\(checkpoint)/model.safetensors"))
            let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            let floats = data.dropFirst(8 + headerLength).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            XCTAssertTrue(floats.allSatisfy(\.isFinite), "\(checkpoint) holds a weight that is not finite")
        }
    }

    /// With only one checkpoint kept, the one a diverging run leaves is its last good one, and
    /// `--resume` continues from it.
    func testADivergingRunKeepsItsLastGoodCheckpoint() throws {
        let out = folder.appendingPathComponent("nan-kept")
        let run = [LaunchedJob.cpoBinary, "train", "--preset", "tiny", "--task", "sort", "--task-count", "100", "--learning-rate", "1e4",
                   "--grad-clip", "0", "--warmup-steps", "0", "--steps", "60", "--save-every", "1", "--keep-checkpoints", "1",
                   "--valid-fraction", "0", "--threads", "1", "--out", out.path]
        let result = try LaunchedJob.run(run)
        XCTAssertTrue(result.output.contains("training diverged at step"), result.output)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertEqual(checkpoints.count, 1, "\(checkpoints)")
        let data = try Data(contentsOf: out.appendingPathComponent("\(checkpoints[0])/model.safetensors"))
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertTrue(data.dropFirst(8 + headerLength).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }.allSatisfy(\.isFinite))
        let resumed = try LaunchedJob.run(run + ["--resume"])
        XCTAssertTrue(resumed.output.contains("resuming at step \(checkpoints[0].dropFirst("checkpoint-".count))"), resumed.output)
    }
}
