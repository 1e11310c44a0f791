import Foundation
import XCTest
import CPOKit

/// A rank that dies mid-job must end the whole job: the others would otherwise wait in their
/// next collective forever. mpirun sees the death and kills the rest.
final class CommunicatorRankFailureTests: XCTestCase {
    func testKillingOneRankEndsTheJobWithAnError() throws {
        let pids = FileManager.default.temporaryDirectory.appendingPathComponent("barrier-pids-\(UUID())")
        try FileManager.default.createDirectory(at: pids, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: pids) }
        let job = try LaunchedJob(["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", "--timeout", "300",
                                   LaunchedJob.testBinary, "CPOKitTests.CommunicatorBarrierLoopTests"],
                                  environment: ["CPO_TEST_BARRIER_SECONDS": "600", "CPO_TEST_BARRIER_PID_DIR": pids.path])

        let ranks = try XCTUnwrap(waitForPIDs(in: pids, count: 2, seconds: 120), "the ranks never reached their barrier loop:\n\(job.output)")
        kill(ranks[1], SIGKILL)
        let status = job.wait(seconds: 60)

        XCTAssertNotNil(status, "mpirun still ran 60 s after rank 1 was killed")
        XCTAssertNotEqual(status, 0, job.output)
        XCTAssertTrue(job.output.contains("exited on signal 9"), "mpirun should name the killed rank:\n\(job.output)")
        XCTAssertFalse(isRunning(ranks[0]), "rank 0 outlived the job")
    }

    /// The pids the barrier loop's ranks wrote, by rank, once all `count` have.
    private func waitForPIDs(in directory: URL, count: Int, seconds: Double) -> [pid_t]? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            let pids = (0..<count).compactMap { rank in
                (try? String(contentsOf: directory.appendingPathComponent("rank-\(rank)"), encoding: .utf8)).flatMap { pid_t($0) }
            }
            if pids.count == count { return pids }
            usleep(100_000)
        }
        return nil
    }

    /// A zombie (dead, not yet reaped) counts as gone.
    private func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z"
    }
}

/// The victim of `CommunicatorRankFailureTests`: each rank writes its pid to
/// `CPO_TEST_BARRIER_PID_DIR/rank-R` once all ranks are in, then calls barriers for
/// `CPO_TEST_BARRIER_SECONDS`. In the plain test run, a world of one, it checks briefly that
/// repeated barriers succeed.
final class CommunicatorBarrierLoopTests: XCTestCase {
    func testBarriersRepeatUntilTheDeadline() throws {
        let environment = ProcessInfo.processInfo.environment
        let world = try worldCommunicator()
        try world.barrier()
        if let directory = environment["CPO_TEST_BARRIER_PID_DIR"] {
            try String(getpid()).write(toFile: directory + "/rank-\(world.rank)", atomically: true, encoding: .utf8)
        }
        let deadline = Date(timeIntervalSinceNow: environment["CPO_TEST_BARRIER_SECONDS"].flatMap(Double.init) ?? 0.1)
        var barriers = 0
        while Date() < deadline {
            try world.barrier()
            barriers += 1
        }
        XCTAssertGreaterThan(barriers, 0)
    }
}
