import Foundation
import XCTest

/// Runs `CommunicatorMPITests` again in two ranks started by `mpirun` from this test binary, so
/// the collectives are checked across real processes, not only in a world of one.
final class CommunicatorTwoRankTests: XCTestCase {
    func testCollectivesAgreeAcrossTwoRanks() throws {
        let testBinary = try XCTUnwrap(Bundle.main.executablePath)
        // The parent's own MPI singleton leaves variables that would confuse a fresh launch.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        let launch = Process()
        launch.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        launch.arguments = ["mpirun", "-np", "2", "--oversubscribe", "--timeout", "300",
                            testBinary, "CPOKitTests.CommunicatorMPITests"]
        launch.environment = environment
        let output = Pipe()
        launch.standardOutput = output
        launch.standardError = output
        try launch.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        launch.waitUntilExit()

        XCTAssertEqual(launch.terminationStatus, 0, text)
        let passedRanks = text.components(separatedBy: "Test Suite 'CommunicatorMPITests' passed").count - 1
        XCTAssertEqual(passedRanks, 2, text)
    }
}
