import Foundation
import XCTest

/// Runs `CommunicatorMPITests` again in two ranks started by `mpirun` from this test binary, so
/// the collectives are checked across real processes, not only in a world of one.
final class CommunicatorTwoRankTests: XCTestCase {
    func testCollectivesAgreeAcrossTwoRanks() throws {
        let (status, text) = try LaunchedJob.run(["mpirun", "-np", "2", "--oversubscribe", "--timeout", "300",
                                                  LaunchedJob.testBinary, "CPOKitTests.CommunicatorMPITests"])
        XCTAssertEqual(status, 0, text)
        let passedRanks = text.components(separatedBy: "Test Suite 'CommunicatorMPITests' passed").count - 1
        XCTAssertEqual(passedRanks, 2, text)
    }
}
