import Foundation
import XCTest

/// Runs `CommunicatorMPITests` again in two ranks started by `mpirun` from this test binary, so
/// the collectives are checked across real processes, not only in a world of one.
final class CommunicatorTwoRankTests: XCTestCase {
    func testCollectivesAgreeAcrossTwoRanks() throws {
        let text = try runOnTwoRanks("CPOKitTests.CommunicatorMPITests")
        XCTAssertEqual(text.components(separatedBy: "Test Suite 'CommunicatorMPITests' passed").count - 1, 2, text)
    }

    /// The overlapped gradient all-reduce on its own, so a failure names it.
    func testGradientReductionSumsAsTheBlockingAllReduceOnTwoRanks() throws {
        let test = "CommunicatorMPITests.testGradientReductionSumsAsTheBlockingAllReduce"
        let text = try runOnTwoRanks("CPOKitTests.\(test.replacingOccurrences(of: ".", with: "/"))")
        XCTAssertEqual(text.components(separatedBy: "Test Case '\(test)' passed").count - 1, 2, text)
    }

    private func runOnTwoRanks(_ filter: String) throws -> String {
        let (status, text) = try LaunchedJob.run(["mpirun", "-np", "2", "--oversubscribe", "--timeout", "300", LaunchedJob.testBinary, filter])
        XCTAssertEqual(status, 0, text)
        return text
    }
}
