import ArgumentParser
import CPOKit
import Foundation

struct BenchGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Time batched KV-cache generation (prefill, decode steps, sampling) on random weights and prompts.",
        discussion: """
            Every row generates exactly --new-tokens tokens (no end-of-text token is given to the generator). \
            tokens/s counts the whole generate call, prefill included; a decode step is the time after the \
            prefill divided by the new-tokens − 1 steps that run the model. GFLOP/s counts a decode step's \
            matrix products: per row 2 · (block weights + LM head V·C) plus attention over the cache. \
            With few rows a decode step is bound by reading the weights (4 bytes each, every step): it is \
            also set against the memory read bandwidth measured in the same run, and the CPU time the \
            hypervisor took from this machine meanwhile (steal, on a virtual machine) is stated. \
            As in `cpo generate`, one generator serves every run: timed runs reuse the warm-up's decoder \
            memory and pack the weights into it again, which they count.
            """)

    @OptionGroup var model: BenchModelOptions
    @Option(help: "Prompts decoded together.") var batchSize = 16
    @Option(help: "Tokens per prompt.") var promptLen = 32
    @Option(help: "Tokens generated per prompt.") var newTokens = 64
    @Option(help: "Timed runs (after one warm-up run); the fastest counts.") var repeats = 3
    @Flag(help: "Greedy decoding instead of sampling at temperature 1.") var greedy = false
    @Option(help: "Sample only from the k most likely tokens; 0 keeps all.") var topK = 0
    @Option(help: "Sample only from the smallest set of tokens with probability ≥ p; 1 keeps all.") var topP: Float = 1
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: BenchOutput

    func run() throws {
        try threadOptions.apply()
        let config = try model.config()
        let sampling = SamplingOptions(greedy: greedy, topK: topK, topP: topP)
        let r = try GenerateBenchmark.run(config: config, batchSize: batchSize, promptLength: promptLen, newTokens: newTokens,
                                          repeats: repeats, sampling: sampling)
        var load = [0.0, 0, 0]
        _ = getloadavg(&load, 3)
        let mode = greedy ? "greedy" : "sampling (top-k \(topK), top-p \(topP))"
        try output.emit([
            "preset": model.preset, "batch_size": batchSize, "prompt_len": promptLen, "new_tokens": newTokens, "repeats": repeats,
            "threads": r.threads, "greedy": greedy, "top_k": topK, "top_p": Double(topP),
            "generate_ms": 1000 * r.generateSeconds, "new_tokens_per_s": r.newTokensPerSecond, "prefill_ms": 1000 * r.prefillSeconds,
            "decode_step_ms": r.millisecondsPerDecodeStep, "decode_tokens_per_s": r.decodeTokensPerSecond,
            "decode_gflop": r.decodeFLOPs / 1e9, "decode_gflops": r.decodeGFLOPs,
            "peak_gflops": r.peak.peak.gflops, "peak_fraction": r.shareOfPeak, "load_average_1m": load[0],
            "generate_cpu_s": r.generateCPUSeconds, "decode_weight_gb_per_step": r.decodeStepWeightBytes / 1e9,
            "decode_gb_per_s": r.decodeGigabytesPerSecond, "read_bandwidth_gb_per_s": r.bandwidth.gigabytesPerSecond,
            "bandwidth_fraction": r.shareOfBandwidth, "stolen_cpu_fraction": r.stolenShare.map { $0 as Any } ?? NSNull(),
        ], lines: [
            "\(model.preset), batch \(batchSize), prompt \(promptLen) + \(newTokens) new tokens, \(mode), \(r.threads) threads,"
                + " best of \(repeats):",
            String(format: "  %.0f new tokens/s (%.0f ms per generate call)", r.newTokensPerSecond, 1000 * r.generateSeconds),
            String(format: "  prefill %.1f ms, %.2f ms per decode step (%.0f tokens/s after the prefill)", 1000 * r.prefillSeconds,
                   r.millisecondsPerDecodeStep, r.decodeTokensPerSecond),
            String(format: "  decode %.1f GFLOP/s = %.0f%% of the sgemm peak %.1f GFLOP/s measured in this run", r.decodeGFLOPs,
                   100 * r.shareOfPeak, r.peak.peak.gflops),
            String(format: "  decode reads %.0f MB of weights per step: %.1f GB/s = %.0f%% of the memory read bandwidth %.1f GB/s"
                   + " measured in this run", r.decodeStepWeightBytes / 1e6, r.decodeGigabytesPerSecond, 100 * r.shareOfBandwidth,
                   r.bandwidth.gigabytesPerSecond),
            String(format: "  load average %.2f; the process kept %.1f of its %d threads busy", load[0],
                   r.generateCPUSeconds / r.generateSeconds, r.threads)
                + (r.stolenShare.map { String(format: "; the hypervisor took %.0f%% of the machine's CPU time", 100 * $0) } ?? ""),
        ])
    }
}
