import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                       _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// What the fuzz targets share: libFuzzer's driver, the input split into the files a reader takes
/// together, or written to a file for the readers that open one.
///
/// A target is its `LLVMFuzzerTestOneInput`, and a main.swift that hands it to `run`. In a
/// release build SwiftPM links the target's own main, which starts libFuzzer's driver; in a debug
/// build it renames that main, and libFuzzer's main calls `LLVMFuzzerTestOneInput` itself.
public enum FuzzInput {
    public static func run(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, test))
    }

    public static func data(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        start.map { Data(bytes: $0, count: count) } ?? Data()
    }

    /// The input cut at its first NUL byte (never part of a JSON or text file), for targets that
    /// read two files; without one, the second part is nil.
    public static func split(_ data: Data) -> (first: Data, second: Data?) {
        guard let nul = data.firstIndex(of: 0) else { return (data, nil) }
        return (data[data.startIndex..<nul], data[(nul + 1)...])
    }

    /// A file of this process for readers that open a path (on a RAM disk where there is one).
    public static let scratchFile: URL = {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        return folder.appendingPathComponent("cpo-fuzz-\(getpid())")
    }()

    /// The repository's test fixtures, for targets that need a real model or tokenizer beside the input.
    public static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/CPOKitTests/Fixtures")

    /// Fails the run, as a crash would, when an invariant of a reader does not hold.
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fatalError("invariant broken: \(message())") }
    }
}
