import ArgumentParser
import CPOKit
import Foundation

struct BenchAllReduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time the gradient all-reduce: a Float buffer summed over every rank of the MPI job.",
        discussion: """
            Run it under MPI, e.g. `launch/local.sh 2 bench allreduce`; rank 0 prints. Algorithm bandwidth \
            is the buffer's bytes over the time; bus bandwidth is 2(n−1)/n × that, what each rank's link \
            carries in a ring all-reduce. Times are the slowest rank's.
            """)

    /// Sizes the buffer as this model's gradients.
    @OptionGroup var model: BenchModelOptions
    @Option(help: "Floats in the buffer (instead of --preset).") var floats: Int?
    @Option(help: "Bucket size in MiB: the buffer is summed in pieces of at most this.")
    var bucketMib = Double(MPICommunicator.defaultBucketBytes) / Double(1 << 20)
    @Option(help: "Timed all-reduces (after one checked warm-up); the median counts.") var iterations = 10
    @OptionGroup var output: BenchOutput

    func run() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        let bucketBytes = Int(bucketMib * Double(1 << 20))
        guard bucketBytes >= MemoryLayout<Float>.stride else { throw ValidationError("--bucket-mib must hold at least one float") }
        let count = try floats ?? AllReduceBenchmark.gradientFloats(model.config())
        guard count >= 1 else { throw ValidationError("--floats must be at least 1") }

        let world = try MPICommunicator.world(bucketBytes: bucketBytes)
        let r = try AllReduceBenchmark.run(communicator: world, floats: count, iterations: iterations)
        try MPICommunicator.finalize()
        guard world.rank == 0 else { return }

        let gb = { (bytesPerSecond: Double) in bytesPerSecond / 1e9 }
        try output.emit([
            "ranks": r.ranks, "floats": r.floats, "bytes": r.bytes, "bucket_bytes": bucketBytes, "iterations": iterations,
            "median_s": r.medianSeconds, "algorithm_gbps": gb(r.algorithmBandwidth), "bus_gbps": gb(r.busBandwidth),
        ], lines: r.ranks == 1 ? [
            "1 rank: nothing to communicate (launch under MPI, e.g. launch/local.sh 2 bench allreduce); the call alone:",
            String(format: "  %.3f ms for %d floats, median of %d", r.medianSeconds * 1000, r.floats, iterations),
        ] : [
            String(format: "all-reduce of %d floats (%.1f MB) over %d ranks, %.1f MiB buckets, median of %d:",
                   r.floats, Double(r.bytes) / 1e6, r.ranks, bucketMib, iterations),
            String(format: "  %.1f ms, algorithm bandwidth %.2f GB/s, bus bandwidth %.2f GB/s",
                   r.medianSeconds * 1000, gb(r.algorithmBandwidth), gb(r.busBandwidth)),
        ])
    }
}
