import ArgumentParser
import CPOKit
import Foundation

/// `--threads`, shared by every command that computes.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and the kernels (default: all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Parallel.setThreadCount(threads)
        } else {
            Parallel.setThreadCount(ProcessInfo.processInfo.activeProcessorCount)
        }
    }
}
