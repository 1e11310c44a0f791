import Foundation
import XCTest

/// `cpo plan` against what a run of the same job holds: `launch/peak-memory.sh` reads the run's
/// peak resident size from the kernel (VmHWM).
final class PlanCommandTests: XCTestCase {
    private let job = ["--objective", "cpo", "--preset", "gpt2-124m", "--task", "sort", "--task-count", "200", "--negatives", "an",
                       "--num-candidates", "2", "--batch-size", "4", "--seq-len", "48", "--steps", "2", "--valid-fraction", "0",
                       "--threads", "1"]

    private func plan(_ extra: [String] = []) throws -> [String: Any] {
        let (status, output) = try LaunchedJob.run([LaunchedJob.cpoBinary, "plan", "--json"] + job + extra)
        XCTAssertEqual(status, 0, output)
        let line = try XCTUnwrap(output.split(separator: "\n").last { $0.hasPrefix("{") }, output)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testThePartsSumToThePeakAndTheNodeDecidesTheFit() throws {
        let parts = ["parameters", "gradients", "optimizer", "reference", "decode", "activations", "logits", "runtime"]
        let one = try plan(["--node-memory", "1000"])
        let peak = try XCTUnwrap(one["peak_bytes_per_rank"] as? Int)
        XCTAssertEqual(parts.map { one["\($0)_bytes"] as! Int }.reduce(0, +), peak)
        XCTAssertEqual(one["fits"] as? Bool, true)
        XCTAssertEqual(try plan(["--node-memory", "0.5"])["fits"] as? Bool, false)
        // Four ranks on one node share π_ref: a quarter of it each, and four peaks on the node.
        let four = try plan(["--ranks", "4", "--node-memory", "1000"])
        XCTAssertEqual(four["reference_bytes"] as? Int, (one["reference_bytes"] as! Int) / 4)
        XCTAssertEqual(four["node_peak_bytes"] as? Int, 4 * (four["peak_bytes_per_rank"] as! Int))
    }

    /// Within 15 % of the peak a run of the job reaches. The parts the plan counts are what this
    /// job holds beyond the runtime's ~0.1 GB, so the check is of the counting, not of a constant.
    /// Two steps: the second samples its negatives while the first step's passes are still allocated.
    func testThePlanIsWithinFifteenPercentOfTheMeasuredPeak() throws {
        let planned = Double(try XCTUnwrap(try plan()["peak_bytes_per_rank"] as? Int)) / 1_073_741_824
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID())")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, output) = try LaunchedJob.run(["launch/peak-memory.sh", "--", LaunchedJob.cpoBinary, "train"] + job + ["--out", out.path])
        XCTAssertEqual(status, 0, output)
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.contains("peak RSS") }, output)
        let measured = try XCTUnwrap(Double(line.components(separatedBy: "peak RSS ")[1].components(separatedBy: " GiB")[0]), output)
        XCTAssertEqual(planned, measured, accuracy: 0.15 * measured, "planned \(planned) GiB, measured \(measured) GiB")
        print("plan: \(planned) GiB, measured peak RSS: \(measured) GiB")
    }
}
