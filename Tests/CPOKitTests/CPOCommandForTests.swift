import Foundation

/// The built `cpo` binary, run the way a user runs it.
enum CPOCommand {
    /// `swift build --build-tests` puts `cpo` beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("cpo")
    }

    /// Runs `cpo arguments`; the output is stdout and stderr together.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs `cpo arguments` with stdout and stderr kept apart, each in a file, so neither can fill a
    /// pipe while the other is read.
    static func runKeepingStreamsApart(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let files = ["stdout", "stderr"].map { FileManager.default.temporaryDirectory.appendingPathComponent("cpo-\($0)-\(UUID())") }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        for file in files { try Data().write(to: file) }
        let handles = try files.map { try FileHandle(forWritingTo: $0) }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        try process.run()
        process.waitUntilExit()
        for handle in handles { try handle.close() }
        let (stdout, stderr) = try (String(contentsOf: files[0], encoding: .utf8), String(contentsOf: files[1], encoding: .utf8))
        return (process.terminationStatus, stdout, stderr)
    }
}
