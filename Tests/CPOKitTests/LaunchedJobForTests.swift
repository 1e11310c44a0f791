import Foundation
import XCTest

/// A command started the way a user starts an MPI job (`mpirun`, a `launch/` script), from the
/// repository root, with its output collected in a file: ranks that outlive their launcher cannot
/// hold a pipe open and hang the test.
final class LaunchedJob {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var testBinary: String { URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path }
    /// The `cpo` the jobs run: `CPO_TEST_BINARY` (launch/test.sh sets the release build, since
    /// multi-rank training runs are slow in debug code), else the debug `cpo` that
    /// `swift build --build-tests` puts beside the test bundle.
    static var cpoBinary: String {
        ProcessInfo.processInfo.environment["CPO_TEST_BINARY"].map { URL(fileURLWithPath: $0, relativeTo: repository).path }
            ?? URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("cpo").path
    }

    private let process = Process()
    private let outputFile: URL

    /// Starts `arguments` (a program on PATH or a path, then its arguments). The environment is
    /// this process's without its own MPI singleton's variables, which would confuse a fresh
    /// launch, and with root allowed to run mpirun; `environment` adds to it.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("launched-\(UUID()).log")
        try Data().write(to: outputFile)
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        var inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
        if getuid() == 0 {
            inherited["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            inherited["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = inherited.merging(environment) { $1 }
        process.currentDirectoryURL = Self.repository
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outputFile)
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var processIdentifier: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The exit status, or nil if the job still runs after `seconds`; then it is terminated.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        guard !process.isRunning else {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Runs `arguments` to the end, failing the test if it takes longer than `seconds`.
    static func run(_ arguments: [String], environment: [String: String] = [:], seconds: Double = 300,
                    file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let job = try LaunchedJob(arguments, environment: environment)
        let status = job.wait(seconds: seconds)
        XCTAssertNotNil(status, "\(arguments.joined(separator: " ")) still ran after \(seconds) s:\n\(job.output)", file: file, line: line)
        return (status ?? -1, job.output)
    }
}
