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
}
