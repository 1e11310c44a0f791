import Foundation
import XCTest

/// The launch scripts: what they hand mpirun and srun, and what comes back. Most cases run a
/// stand-in for cpo that prints the arguments and thread setting each rank received.
final class LaunchTests: XCTestCase {
    private var folder: URL!
    private var fakeCPO: String { folder.appendingPathComponent("cpo").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("launch-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try script("cpo", """
            # Stands in for cpo: `train` takes --threads, other subcommands do not.
            case " $* " in *" --help "*) [ "$1" = train ] && echo "  --threads <threads>"; exit 0 ;; esac
            echo "rank ${OMPI_COMM_WORLD_RANK:-none}: $* | OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
            exit "${FAKE_CPO_STATUS:-0}"
            """)
        try script("srun", #"echo "srun $* | OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}""#)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func script(_ name: String, _ body: String) throws {
        let path = folder.appendingPathComponent(name).path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    private func launch(_ arguments: [String], _ environment: [String: String] = [:]) throws -> (status: Int32, lines: [String]) {
        let (status, output) = try LaunchedJob.run(arguments, environment: ["CPO_BINARY": fakeCPO].merging(environment) { $1 })
        return (status, output.split(separator: "\n").map(String.init))
    }

    func testLocalGivesEachRankOneThreadWhereTheSubcommandTakesThem() throws {
        let train = try launch(["launch/local.sh", "2", "train", "--steps", "3"])
        XCTAssertEqual(train.status, 0, "\(train.lines)")
        XCTAssertEqual(train.lines.sorted(), (0..<2).map { "rank \($0): train --steps 3 --threads 1 | OPENBLAS_NUM_THREADS=1" })

        let bench = try launch(["launch/local.sh", "2", "bench", "allreduce"])
        XCTAssertEqual(bench.lines.filter { $0.contains("rank") && $0.hasSuffix("bench allreduce | OPENBLAS_NUM_THREADS=unset") }.count, 2, "\(bench.lines)")
    }

    func testLocalKeepsTheUsersThreadsAndRunsMoreRanksThanCores() throws {
        let ranks = ProcessInfo.processInfo.activeProcessorCount + 1
        let (status, lines) = try launch(["launch/local.sh", String(ranks), "train", "--threads=2"], ["CPO_THREADS_PER_RANK": "3"])
        XCTAssertEqual(status, 0, "\(lines)")
        XCTAssertEqual(lines.filter { $0.hasSuffix(": train --threads=2 | OPENBLAS_NUM_THREADS=unset") }.count, ranks, "\(lines)")
    }

    func testLocalExitsWithTheFailedRanksStatus() throws {
        XCTAssertEqual(try launch(["launch/local.sh", "2", "train"], ["FAKE_CPO_STATUS": "5"]).status, 5)
        let usage = try launch(["launch/local.sh", "two", "train"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.lines.contains { $0.hasPrefix("usage: launch/local.sh N SUBCOMMAND") }, "\(usage.lines)")
    }

    func testLocalRunsTheAllReduceBenchmarkOnTwoRanks() throws {
        let (status, lines) = try launch(["launch/local.sh", "2", "bench", "allreduce", "--floats", "100000", "--iterations", "2", "--json"],
                                         ["CPO_BINARY": LaunchedJob.cpoBinary])
        XCTAssertEqual(status, 0, "\(lines)")
        let reports = lines.filter { $0.hasPrefix("{") }
        XCTAssertEqual(reports.count, 1, "only rank 0 reports: \(lines)")
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(reports[0].utf8)) as? [String: Any])
        XCTAssertEqual(figures["ranks"] as? Int, 2)
        XCTAssertEqual(figures["bytes"] as? Int, 400_000)
    }

    func testClusterLeavesThreadsToCPOUnlessTold() throws {
        let own = try launch(["launch/cluster.sh", "hostfiles/localhost", "2", "train"])
        XCTAssertEqual(own.status, 0, "\(own.lines)")
        XCTAssertEqual(own.lines.sorted(), (0..<2).map { "rank \($0): train | OPENBLAS_NUM_THREADS=unset" })

        let told = try launch(["launch/cluster.sh", "hostfiles/localhost", "2", "train"], ["CPO_THREADS_PER_RANK": "2", "CPO_TCP_INTERFACES": "lo"])
        XCTAssertEqual(told.lines.sorted(), (0..<2).map { "rank \($0): train --threads 2 | OPENBLAS_NUM_THREADS=2" })
    }

    func testSlurmBatchStartsRanksWithSrunAndTheTasksCPUs() throws {
        let slurm = ["SLURM_SUBMIT_DIR": LaunchedJob.repository.path, "PATH": folder.path + ":" + ProcessInfo.processInfo.environment["PATH"]!]
        let (status, lines) = try launch(["bash", "launch/slurm.sbatch", "train", "--steps", "3"], slurm.merging(["SLURM_CPUS_PER_TASK": "4"]) { $1 })
        XCTAssertEqual(status, 0, "\(lines)")
        XCTAssertEqual(lines, ["srun --mpi=pmix --kill-on-bad-exit=1 \(fakeCPO) train --steps 3 --threads 4 | OPENBLAS_NUM_THREADS=4"])

        // A run stopped by a signal (75) requeues the job, and the requeued job resumes.
        try script("srun", #"echo "srun $*"; exit 75"#)
        try script("scontrol", #"echo "scontrol $*""#)
        let stopped = try launch(["bash", "launch/slurm.sbatch", "train", "--steps", "3"],
                                 slurm.merging(["SLURM_JOB_ID": "42", "SLURM_RESTART_COUNT": "1"]) { $1 })
        XCTAssertEqual(stopped.status, 75, "\(stopped.lines)")
        XCTAssertTrue(stopped.lines.contains("srun --mpi=pmix --kill-on-bad-exit=1 \(fakeCPO) train --steps 3 --resume --threads 1"),
                      "\(stopped.lines)")
        XCTAssertTrue(stopped.lines.contains("scontrol requeue 42"), "\(stopped.lines)")

        let outside = try launch(["bash", "launch/slurm.sbatch", "train"])
        XCTAssertEqual(outside.status, 2)
        XCTAssertTrue(outside.lines.contains { $0.contains("not a Slurm job") }, "\(outside.lines)")
    }
}
