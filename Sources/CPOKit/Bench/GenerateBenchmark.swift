import Foundation

/// Times batched autoregressive generation (`Generator`: KV-cache prefill, then one decode step and
/// one sampled token per row per step) of a model with random weights on random prompts, and relates
/// the decode rate to the machine's sgemm peak and memory read bandwidth measured in the same run:
/// with few rows a decode step is bound by reading the weights, so the bandwidth is its roofline.
///
/// Every row generates exactly `newTokens` tokens: the generator is given no end-of-text token (id
/// −1, which no sampler can draw), so no row stops early and every run does the same work. One
/// generator serves all runs, so the timed ones reuse the warm-up's decoder memory (see `Generator`).
public enum GenerateBenchmark {
    public struct Result: Sendable {
        public let batchSize: Int
        public let promptLength: Int
        public let newTokens: Int
        public let threads: Int
        /// Fastest full `generate` call (prefill, decode steps, sampling) over the repeats.
        public let generateSeconds: Double
        /// CPU time (user + system) of the process during that call: on a machine shared with other
        /// work it falls below threads × generateSeconds.
        public let generateCPUSeconds: Double
        /// Fastest prefill of the batch's prompts alone (logits of each row's last prompt token).
        public let prefillSeconds: Double
        /// Model FLOPs of the `newTokens − 1` decode steps (the first token comes from the prefill).
        public let decodeFLOPs: Double
        /// Bytes of weights one decode step reads (`ModelConfig.decodeStepWeights`, fp32).
        public let decodeStepWeightBytes: Double
        public let peak: GemmBenchmark.Result
        public let bandwidth: MemoryBandwidthBenchmark.Result
        /// CPU time the hypervisor took during the timed generate calls, nil off Linux.
        public let stolenShare: Double?

        /// New tokens of the whole batch per second of `generate`, prefill included.
        public var newTokensPerSecond: Double { Double(batchSize * newTokens) / generateSeconds }
        /// Decode steps: the generate time after the prefill, spread over the steps that ran the model.
        public var decodeSeconds: Double { max(generateSeconds - prefillSeconds, 0) }
        public var millisecondsPerDecodeStep: Double { 1000 * decodeSeconds / Double(max(newTokens - 1, 1)) }
        /// The steady rate once the prompts are in the cache: one token per row per decode step.
        public var decodeTokensPerSecond: Double { Double(batchSize) * 1000 / millisecondsPerDecodeStep }
        public var decodeGFLOPs: Double { decodeSeconds > 0 ? decodeFLOPs / decodeSeconds / 1e9 : 0 }
        public var shareOfPeak: Double { decodeGFLOPs / peak.peak.gflops }
        /// The decode steps' rate of reading weights.
        public var decodeGigabytesPerSecond: Double { decodeStepWeightBytes / millisecondsPerDecodeStep / 1e6 }
        public var shareOfBandwidth: Double { decodeGigabytesPerSecond / bandwidth.gigabytesPerSecond }
    }

    /// `peakShapes` are the sgemm shapes whose best rate is the peak (see `GemmBenchmark`).
    public static func run(config: any ModelConfig, batchSize: Int, promptLength: Int, newTokens: Int, repeats: Int = 3,
                           sampling: SamplingOptions = SamplingOptions(), seed: UInt64 = 0,
                           peakShapes: [(m: Int, n: Int, k: Int)] = GemmBenchmark.defaultShapes,
                           bandwidthBytes: Int = 1 << 30) throws -> Result {
        for (option, value) in [("batch-size", batchSize), ("prompt-len", promptLength), ("new-tokens", newTokens), ("repeats", repeats)]
        where value < 1 {
            throw OptionError(option: option, value: "\(value)", allowed: "a whole number ≥ 1")
        }
        guard promptLength + newTokens <= config.maxPositions else {
            throw OptionError(option: "prompt-len + new-tokens", value: "\(promptLength + newTokens)",
                              allowed: "at most the model's \(config.maxPositions) positions")
        }
        var options = sampling
        options.maxNewTokens = newTokens
        try options.validate()
        let model = try config.randomModel(seed: seed)
        var random = CounterRandom(seed: seed, domain: .synthesis)
        let prompts = (0..<batchSize).map { _ in (0..<promptLength).map { _ in Int32(random.next() % UInt64(config.vocabularySize)) } }
        let generator = Generator(model: model, endOfText: -1)
        let decoder = model.makeDecoder(rows: batchSize, capacity: promptLength + newTokens, reusing: nil, packsWeights: true)

        var generateSeconds = Double.infinity, generateCPUSeconds = 0.0, prefillSeconds = Double.infinity
        // One untimed warm-up of each, so page faults and thread start-up are not counted.
        var stolenBefore: StolenCPUTime?
        for run in 0...repeats {
            if run == 1 { stolenBefore = StolenCPUTime() }
            let prefill = try Stopwatch.seconds { _ = try decoder.prefill(prompts) }
            let cpuBefore = processCPUSeconds()
            let generate = try Stopwatch.seconds {
                let continuations = try generator.generate(prompts: prompts, options: options)
                precondition(continuations.allSatisfy { $0.tokens.count == newTokens }, "a benchmark row stopped early")
            }
            let cpu = processCPUSeconds() - cpuBefore
            guard run > 0 else { continue }
            prefillSeconds = min(prefillSeconds, prefill)
            if generate < generateSeconds { (generateSeconds, generateCPUSeconds) = (generate, cpu) }
        }
        let stolenShare = StolenCPUTime().flatMap { now in stolenBefore.map { now.share(since: $0) } }
        let decodeFLOPs = (promptLength ..< promptLength + newTokens - 1).reduce(0.0) { total, position in
            total + config.decodeStepFLOPs(rows: batchSize, position: position)
        }
        return Result(batchSize: batchSize, promptLength: promptLength, newTokens: newTokens, threads: Parallel.threadCount,
                      generateSeconds: generateSeconds, generateCPUSeconds: generateCPUSeconds, prefillSeconds: prefillSeconds,
                      decodeFLOPs: decodeFLOPs, decodeStepWeightBytes: 4 * config.decodeStepWeights,
                      peak: GemmBenchmark.run(shapes: peakShapes), bandwidth: MemoryBandwidthBenchmark.run(bytes: bandwidthBytes),
                      stolenShare: stolenShare)
    }

    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
