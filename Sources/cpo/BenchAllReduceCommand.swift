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

            With the model's gradient buffer (no --floats) it then measures the share of the all-reduce \
            that the backward pass hides: (a) one backward pass on random tokens, (b) the all-reduce \
            alone, (c) the backward pass with the all-reduce overlapped, as training runs it; hidden = \
            (a + b − c) / b, clipped to [0, 1]. The all-reduce runs on a thread of its own, so it hides \
            only where a core is spare for it.
            """)

    /// Sizes the buffer as this model's gradients.
    @OptionGroup var model: BenchModelOptions
    @Option(help: "Floats in the buffer (instead of --preset).") var floats: Int?
    @Option(help: "Bucket size in MiB: the buffer is summed in pieces of at most this.")
    var bucketMib = Double(MPICommunicator.defaultBucketBytes) / Double(1 << 20)
    @Option(help: "Timed all-reduces (after one checked warm-up); the median counts.") var iterations = 10
    @Option(help: "Sequences in the backward pass the all-reduce overlaps.") var batchSize = 4
    @Option(help: "Tokens per sequence in that backward pass.") var seqLen = 64
    @Option(help: "Timed rounds of the overlap measurement (after one warm-up round).") var repeats = 5
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: BenchOutput

    func run() throws {
        guard iterations >= 1, repeats >= 1 else { throw ValidationError("--iterations and --repeats must be at least 1") }
        guard batchSize >= 1, seqLen >= 1 else { throw ValidationError("--batch-size and --seq-len must be at least 1") }
        try threadOptions.apply()
        let bucketBytes = Int(bucketMib * Double(1 << 20))
        guard bucketBytes >= MemoryLayout<Float>.stride else { throw ValidationError("--bucket-mib must hold at least one float") }
        let config = try model.config()
        let count = floats ?? AllReduceBenchmark.gradientFloats(config)
        guard count >= 1 else { throw ValidationError("--floats must be at least 1") }
        guard floats != nil || seqLen <= config.maxPositions else {
            throw ValidationError("--seq-len \(seqLen) exceeds the preset's \(config.maxPositions) positions")
        }

        let world = try MPICommunicator.world(bucketBytes: bucketBytes)
        let r = try AllReduceBenchmark.run(communicator: world, floats: count, iterations: iterations)
        // Only the model's own buffer has a backward pass to hide behind, and one rank nothing to hide.
        let overlap = floats == nil && world.size > 1
            ? try AllReduceBenchmark.overlap(communicator: world, config: config, batchSize: batchSize, length: seqLen, repeats: repeats)
            : nil
        try MPICommunicator.finalize()
        guard world.rank == 0 else { return }

        let gb = { (bytesPerSecond: Double) in bytesPerSecond / 1e9 }
        var figures: [String: Any] = [
            "ranks": r.ranks, "floats": r.floats, "bytes": r.bytes, "bucket_bytes": bucketBytes, "iterations": iterations,
            "median_s": r.medianSeconds, "algorithm_gbps": gb(r.algorithmBandwidth), "bus_gbps": gb(r.busBandwidth),
        ]
        var overlapLines: [String] = []
        if let overlap {
            let (best, median) = (overlap.best, overlap.median)
            for (name, times) in [("best", best), ("median", median)] {
                figures["overlap_\(name)"] = ["backward_s": times.backward, "allreduce_s": times.allReduce,
                                              "overlapped_s": times.overlapped, "finish_s": times.finish, "hidden_share": times.hiddenShare]
            }
            figures["overlap_batch_size"] = batchSize
            figures["overlap_seq_len"] = seqLen
            figures["threads"] = Parallel.threadCount
            let ms = { (best: Double, median: Double) in String(format: "%.1f / %.1f ms", best * 1000, median * 1000) }
            overlapLines = [
                "overlap with the backward pass of \(model.preset), batch \(batchSize) × \(seqLen) tokens, \(Parallel.threadCount) threads "
                    + "per rank, best / median of \(repeats) rounds:",
                "  (a) backward alone \(ms(best.backward, median.backward)), (b) all-reduce alone \(ms(best.allReduce, median.allReduce)), "
                    + "(c) backward + overlapped all-reduce \(ms(best.overlapped, median.overlapped)), of which finish() waited "
                    + ms(best.finish, median.finish),
                String(format: "  hidden (a + b − c) / b: %.0f %% / %.0f %% of the all-reduce", 100 * best.hiddenShare, 100 * median.hiddenShare),
            ]
        }
        try output.emit(figures, lines: r.ranks == 1 ? [
            "1 rank: nothing to communicate (launch under MPI, e.g. launch/local.sh 2 bench allreduce); the call alone:",
            String(format: "  %.3f ms for %d floats, median of %d", r.medianSeconds * 1000, r.floats, iterations),
        ] : [
            String(format: "all-reduce of %d floats (%.1f MB) over %d ranks, %.1f MiB buckets, median of %d:",
                   r.floats, Double(r.bytes) / 1e6, r.ranks, bucketMib, iterations),
            String(format: "  %.1f ms, algorithm bandwidth %.2f GB/s, bus bandwidth %.2f GB/s",
                   r.medianSeconds * 1000, gb(r.algorithmBandwidth), gb(r.busBandwidth)),
        ] + overlapLines)
    }
}
