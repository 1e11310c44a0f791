import ArgumentParser
import CPOKit
import Foundation

struct BenchGemmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "The machine's sgemm peak (OpenBLAS, all threads): the yardstick of every other benchmark.")

    @Option(help: "Seconds spent on each matrix shape (the fastest repetition counts).") var secondsPerShape = 0.5
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: BenchOutput

    func run() throws {
        try threadOptions.apply()
        let result = GemmBenchmark.run(secondsPerShape: secondsPerShape)
        let shapes = result.measurements.map { ["m": $0.m, "n": $0.n, "k": $0.k, "gflops": $0.gflops] as [String: Any] }
        var lines = result.measurements.map { String(format: "sgemm %5d x %5d x %5d: %7.1f GFLOP/s", $0.m, $0.n, $0.k, $0.gflops) }
        lines.append(String(format: "peak: %.1f GFLOP/s on %d threads (%.1f per thread), OpenBLAS kernels %@", result.peak.gflops,
                            result.threads, result.peak.gflops / Double(result.threads), result.kernels))
        try output.emit(["peak_gflops": result.peak.gflops, "threads": result.threads, "openblas_kernels": result.kernels, "shapes": shapes],
                        lines: lines)
    }
}
