import XCTest
@testable import CPOKit
#if canImport(Glibc)
import Glibc
#endif

/// `metrics.jsonl`: whole lines only, whatever the disk does, and a resume that keeps exactly the
/// steps before it.
final class MetricsLogTests: XCTestCase {
    private var folder: URL!
    private var url: URL { folder.appendingPathComponent("metrics.jsonl") }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    private func contents() throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Runs `body` with writes past `bytes` in any file failing as a full disk's do: what fits is
    /// written, then write(2) fails (EFBIG rather than ENOSPC; SIGXFSZ, which would end the process,
    /// is ignored meanwhile).
    private func withFileSizeLimit(_ bytes: Int, _ body: () throws -> Void) rethrows {
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let handler = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = rlim_t(bytes)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, handler)
        }
        try body()
    }

    func testAFullDiskIsAnErrorNamingTheFileAndLeavesNoHalfLine() throws {
        let log = try MetricsLog(url: url)
        try log.append(["step": 1, "loss": 2.5])
        let before = try contents()
        try withFileSizeLimit(before.utf8.count + 10) {
            XCTAssertThrowsError(try log.append(["step": 2, "loss": 2.25, "note": String(repeating: "x", count: 100)])) { error in
                XCTAssertTrue(error is AtomicFileError, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("\(url.path): cannot write: "), "\(error)")
            }
        }
        XCTAssertEqual(try contents(), before, "the part of the line that fitted is cut off again")
        try log.append(["step": 2, "loss": 2.25])
        XCTAssertEqual(try contents(), before + #"{"loss":2.25,"step":2}"# + "\n")
    }

    func testResumeKeepsTheStepsBeforeItWhateverTheLineEnds() throws {
        for end in ["\n", "\r\n", "\r"] {
            let lines = [#"{"loss":3,"step":1}"#, #"{"loss":2,"step":2}"#, #"{"loss":1,"step":3}"#]
            // The lost part of the run: step 3 and a line cut short by the crash.
            try Data((lines.joined(separator: end) + end + #"{"loss":0.5,"st"#).utf8).write(to: url)
            let log = try MetricsLog(url: url, resumeStep: 2)
            try log.append(["step": 3, "loss": 1.5])
            XCTAssertEqual(try contents(), lines[0] + "\n" + lines[1] + "\n" + #"{"loss":1.5,"step":3}"# + "\n", end.debugDescription)
        }
    }

    func testAFreshRunStartsAnEmptyLog() throws {
        try Data("{\"step\":1}\n".utf8).write(to: url)
        try MetricsLog(url: url).append(["step": 1, "loss": 4])
        XCTAssertEqual(try contents(), #"{"loss":4,"step":1}"# + "\n")
    }
}
