import ArgumentParser
import CPOKit
import Foundation

/// `--threads`, shared by every command that computes.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and the kernels, at most the cores of the machine (default: the cores divided among the ranks on this node).")
    var threads: Int?

    func apply() throws {
        if let threads {
            // More threads than cores only take turns: 2 tiny training steps took 2.6 s on 2 threads
            // of this 2-core machine and 30 s on 64, and 100,000 seemed to hang.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            guard (1...cores).contains(threads) else {
                throw ValidationError("--threads must be in 1...\(cores), the cores of this machine, got \(threads)")
            }
            Parallel.setThreadCount(threads)
        } else {
            // mpirun tells each rank how many ranks share its node; they split the cores.
            Parallel.setThreadCount(max(1, ProcessInfo.processInfo.activeProcessorCount / MPILaunch.ranksOnThisNode()))
        }
    }
}
