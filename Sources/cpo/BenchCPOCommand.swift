import ArgumentParser
import CPOKit
import Foundation

struct BenchCPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpo",
        abstract: "Time CPO training steps, split into negative generation, reference scoring, forward/backward and optimizer.",
        discussion: "Random weights, random prompt and response tokens; AN samples are drawn from π_ref as in training.")

    @OptionGroup var model: BenchModelOptions
    @Option(help: "Examples per step.") var batchSize = 4
    @Option(help: "Candidates per example (ground truth + K − 1 negatives).") var numCandidates = 4
    @Option(help: "Negatives: an, bn, mn, tn or a mix.") var negatives = "an"
    @Option(help: "Prompt tokens per example.") var promptLen = 32
    @Option(help: "Response tokens per example (an end-of-text token follows).") var responseLen = 32
    @Flag(help: "Rank negatives (needs π_ref's hidden states for every candidate).") var rankNegatives = false
    @Option(help: "Timed steps (after one warm-up step); medians are reported.") var steps = 3
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: BenchOutput

    func run() throws {
        guard steps >= 1, batchSize >= 1, promptLen >= 1, responseLen >= 1 else {
            throw ValidationError("--steps, --batch-size, --prompt-len and --response-len must be at least 1")
        }
        try threadOptions.apply()
        let config = try model.config()
        var options = TrainingOptions()
        options.objective = "cpo"
        options.batchSize = batchSize
        options.numCandidates = numCandidates
        options.negatives = negatives
        options.rankNegatives = rankNegatives
        options.seqLen = min(config.maxPositions, promptLen + responseLen + 9)
        try options.validate()
        let peak = GemmBenchmark.run()
        let r = try CPOStepBenchmark.run(config: config, options: options, promptLength: promptLen, responseLength: responseLen, steps: steps)
        let ms = { (seconds: Double) in seconds * 1000 }
        try output.emit([
            "preset": model.preset, "batch_size": batchSize, "num_candidates": numCandidates, "negatives": negatives, "threads": r.threads,
            "median_ms": ms(r.total), "sampling_ms": ms(r.sampling), "reference_ms": ms(r.reference),
            "forward_backward_ms": ms(r.forwardBackward), "optimizer_ms": ms(r.optimizer), "tokens_per_s": r.tokensPerSecond,
            "negative_length_mean": r.negativeLength, "peak_gflops": peak.peak.gflops,
        ], lines: [
            "\(model.preset), \(batchSize) examples × K=\(numCandidates) (\(negatives)), prompt \(promptLen) + response \(responseLen) tokens, \(r.threads) threads, median of \(steps) steps:",
            String(format: "  step %.0f ms = sampling %.0f + reference %.0f + forward/backward %.0f + optimizer %.0f", ms(r.total),
                   ms(r.sampling), ms(r.reference), ms(r.forwardBackward), ms(r.optimizer)),
            String(format: "  %.0f policy tokens/s; mean negative length %.1f; sgemm peak in this run %.1f GFLOP/s",
                   r.tokensPerSecond, r.negativeLength, peak.peak.gflops),
        ])
    }
}
