import Foundation
import XCTest

/// MPI jobs across simulated hosts: `launch/netns/run.sh` gives each host a network namespace of
/// its own, so ranks on different hosts reach each other only over TCP on the simulated network,
/// started by mpirun's remote launch as on a cluster.
final class MultiNodeTests: XCTestCase {
    /// `launch/netns/run.sh`'s status when the kernel refuses network namespaces.
    private static let namespacesRefused: Int32 = 77

    private var prefix = ""

    override func setUp() {
        prefix = "cpotest\(getpid())x\(Int.random(in: 0..<1_000_000))"
    }

    private func runAcrossHosts(_ hosts: Int, ranksPerHost: Int = 1, _ command: [String]) throws -> (status: Int32, output: String) {
        let result = try LaunchedJob.run(["launch/netns/run.sh", String(hosts), "--"] + command,
                                         environment: ["CPO_NETNS_PREFIX": prefix, "CPO_NETNS_RANKS_PER_HOST": String(ranksPerHost)])
        if result.status == Self.namespacesRefused {
            // run.sh's message says why (not root, no CAP_NET_ADMIN, a sandbox).
            throw XCTSkip(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertEqual(try namespacesLeft(), [], "run.sh left its namespaces behind")
        return result
    }

    private func namespacesLeft() throws -> [String] {
        let (_, list) = try LaunchedJob.run(["ip", "netns", "list"])
        return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    func testCollectivesAgreeAcrossThreeHosts() throws {
        let (status, output) = try runAcrossHosts(3, [LaunchedJob.testBinary, "CPOKitTests.CommunicatorMPITests"])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output.components(separatedBy: "Test Suite 'CommunicatorMPITests' passed").count - 1, 3, output)
    }

    func testAllReduceOfFourRanksOnTwoHosts() throws {
        let (status, output) = try runAcrossHosts(2, ranksPerHost: 2, [LaunchedJob.cpoBinary, "bench", "allreduce",
                                                                       "--floats", "1000000", "--iterations", "3", "--json"])
        XCTAssertEqual(status, 0, output)
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("{") }, output)
        let figures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(figures["ranks"] as? Int, 4)
        XCTAssertGreaterThan(try XCTUnwrap(figures["bus_gbps"] as? Double), 0)
    }

    func testAFailingJobFailsTheRunAndStillRemovesTheHosts() throws {
        let (status, output) = try runAcrossHosts(2, ["sh", "-c", "exit $((3 + OMPI_COMM_WORLD_RANK))"])
        XCTAssertTrue([3, 4].contains(status), "run.sh should exit with a failed rank's status, got \(status):\n\(output)")
    }

    /// The same CPO run as two ranks on one machine and as one rank on each of two simulated
    /// hosts: TCP instead of shared memory must not change a number.
    func testTrainingAcrossHostsMatchesOneHost() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hosts-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        func arguments(_ out: String) -> [String] {
            [LaunchedJob.cpoBinary, "train", "--objective", "cpo", "--preset", "tiny", "--task", "sort", "--task-count", "60",
             "--negatives", "an:1,bn:1,tn:1", "--batch-size", "4", "--steps", "3", "--candidate-shards", "2", "--valid-fraction", "0",
             "--seed", "5", "--threads", "1", "--out", folder.appendingPathComponent(out).path]
        }
        let across = try runAcrossHosts(2, arguments("hosts"))
        XCTAssertEqual(across.status, 0, across.output)
        let local = try LaunchedJob.run(["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none"] + arguments("local"))
        XCTAssertEqual(local.status, 0, local.output)
        for file in ["metrics.jsonl", "final/model.safetensors"] {
            let a = try Data(contentsOf: folder.appendingPathComponent("hosts/\(file)"))
            let b = try Data(contentsOf: folder.appendingPathComponent("local/\(file)"))
            if file.hasSuffix("jsonl") {
                let losses = { (data: Data) in String(decoding: data, as: UTF8.self).split(separator: "\n")
                    .map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["loss"] as! Double } }
                XCTAssertEqual(losses(a), losses(b))
            } else {
                XCTAssertEqual(a, b, "the weights written across hosts differ from the single-host run")
            }
        }
    }
}
