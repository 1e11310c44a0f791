import ArgumentParser
import CPOKit
import Foundation

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time full MLE training steps (forward, backward, AdamW) on random tokens.",
        discussion: "GFLOP/s counts the model's matrix products (3 × forward, attention and LM head included). As in MLE training, the forward phase also takes the LM head's gradient (see --logit-chunk-rows of cpo train).")

    @OptionGroup var model: BenchModelOptions
    @Option(help: "Sequences per step.") var batchSize = 4
    @Option(help: "Tokens per sequence.") var seqLen = 64
    @Option(help: "Timed steps (after one warm-up step); the median counts.") var steps = 5
    @Option(help: "Block activations: none or blocks (recomputed in the backward pass), as in `cpo train --recompute`.") var recompute = "none"
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: BenchOutput

    func run() throws {
        guard batchSize >= 1, seqLen >= 1, steps >= 1 else { throw ValidationError("--batch-size, --seq-len and --steps must be at least 1") }
        try threadOptions.apply()
        let config = try model.config()
        guard seqLen <= config.maxPositions else { throw ValidationError("--seq-len \(seqLen) exceeds the preset's \(config.maxPositions) positions") }
        guard let recomputation = ActivationRecomputation(rawValue: recompute) else {
            throw ValidationError("--recompute must be none or blocks, not '\(recompute)'")
        }
        let r = try TrainStepBenchmark.run(config: config, batchSize: batchSize, length: seqLen, steps: steps, recomputation: recomputation)
        try output.emit([
            "preset": model.preset, "recompute": recompute, "batch_size": batchSize, "seq_len": seqLen, "steps": steps, "threads": r.threads,
            "median_ms": r.medianMilliseconds, "forward_ms": r.forwardMilliseconds, "backward_ms": r.backwardMilliseconds,
            "optimizer_ms": r.optimizerMilliseconds, "tokens_per_s": r.tokensPerSecond, "gflop_per_step": r.flopsPerStep / 1e9,
            "gflops": r.gflops, "peak_gflops": r.peak.peak.gflops, "peak_fraction": r.shareOfPeak,
            "stolen_cpu_fraction": r.stolenShare.map { $0 as Any } ?? NSNull(),
        ], lines: [
            "\(model.preset), batch \(batchSize) × \(seqLen) tokens, \(r.threads) threads, recompute \(recompute), median of \(steps) steps:",
            String(format: "  %.0f ms/step, %.0f tokens/s, %.1f GFLOP/step", r.medianMilliseconds, r.tokensPerSecond, r.flopsPerStep / 1e9),
            String(format: "  phases (medians): forward %.0f ms, backward %.0f ms, AdamW %.0f ms",
                   r.forwardMilliseconds, r.backwardMilliseconds, r.optimizerMilliseconds),
            String(format: "  %.1f GFLOP/s = %.0f%% of the sgemm peak %.1f GFLOP/s measured in this run", r.gflops, 100 * r.shareOfPeak, r.peak.peak.gflops),
        ] + (r.stolenShare.map { [String(format: "  the hypervisor took %.0f%% of the machine's CPU time during the timed steps", 100 * $0)] } ?? []))
    }
}
