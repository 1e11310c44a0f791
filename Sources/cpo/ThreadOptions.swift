import ArgumentParser
import CPOKit
import Foundation

/// `--threads`, shared by every command that computes.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and the kernels (default: the cores divided among the ranks on this node).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Parallel.setThreadCount(threads)
        } else {
            // mpirun tells each rank how many ranks share its node; they split the cores.
            Parallel.setThreadCount(max(1, ProcessInfo.processInfo.activeProcessorCount / MPILaunch.ranksOnThisNode()))
        }
    }
}
