/// Times full training steps (forward, backward, AdamW) of a model on random tokens and relates the
/// achieved rate to the machine's sgemm peak measured in the same run.
public enum TrainStepBenchmark {
    public struct Result: Sendable {
        public let batchSize: Int
        public let length: Int
        public let steps: Int
        public let threads: Int
        public let medianMilliseconds: Double
        /// Medians of the step's phases, each over the same steps (so they need not add up to the step's median).
        public let forwardMilliseconds: Double
        public let backwardMilliseconds: Double
        public let optimizerMilliseconds: Double
        public let tokensPerSecond: Double
        /// Model FLOPs per step (3 × forward), see `ModelConfig.forwardFLOPs`.
        public let flopsPerStep: Double
        public let gflops: Double
        public let peak: GemmBenchmark.Result
        /// CPU time the hypervisor took during the timed steps, nil off Linux.
        public let stolenShare: Double?
        public var shareOfPeak: Double { gflops / peak.peak.gflops }
    }

    public static func run(config: any ModelConfig, batchSize: Int, length: Int, steps: Int = 5, recomputation: ActivationRecomputation = .none,
                           seed: UInt64 = 0) throws -> Result {
        let model = try config.randomModel(seed: seed)
        model.recomputation = recomputation
        let optimizer = AdamW(layout: model.layout, beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
        var random = CounterRandom(seed: seed, domain: .synthesis)
        let stream = (0...batchSize * length).map { _ in Int32(random.next() % UInt64(config.vocabularySize)) }
        let tokens = Array(stream.dropLast()), targets = Array(stream.dropFirst())
        func step() throws -> (forward: Double, backward: Double, optimizer: Double) {
            let forward = try Stopwatch.seconds {
                model.gradients.zero()
                try model.forwardMeanCrossEntropy(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            }
            let backward = Stopwatch.seconds { model.backwardMeanCrossEntropy() }
            let update = Stopwatch.seconds {
                optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: 1e-4)
            }
            return (forward, backward, update)
        }
        _ = try step()
        var phases: [(forward: Double, backward: Double, optimizer: Double)] = []
        let stolenBefore = StolenCPUTime()
        for _ in 0..<steps { phases.append(try step()) }
        let stolenShare = StolenCPUTime().flatMap { now in stolenBefore.map { now.share(since: $0) } }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let stepMedian = median(phases.map { $0.forward + $0.backward + $0.optimizer })
        let flops = 3 * config.forwardFLOPs(batchSize: batchSize, length: length)
        return Result(batchSize: batchSize, length: length, steps: steps, threads: Parallel.threadCount,
                      medianMilliseconds: stepMedian * 1000,
                      forwardMilliseconds: median(phases.map(\.forward)) * 1000,
                      backwardMilliseconds: median(phases.map(\.backward)) * 1000,
                      optimizerMilliseconds: median(phases.map(\.optimizer)) * 1000,
                      tokensPerSecond: Double(batchSize * length) / stepMedian,
                      flopsPerStep: flops, gflops: flops / stepMedian / 1e9, peak: GemmBenchmark.run(),
                      stolenShare: stolenShare)
    }
}
