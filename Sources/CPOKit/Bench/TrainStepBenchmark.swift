/// Times full training steps (forward, backward, AdamW) of a GPT-2 on random tokens and relates the
/// achieved rate to the machine's sgemm peak measured in the same run.
public enum TrainStepBenchmark {
    public struct Result: Sendable {
        public let batchSize: Int
        public let length: Int
        public let steps: Int
        public let threads: Int
        public let medianMilliseconds: Double
        public let tokensPerSecond: Double
        /// Model FLOPs per step (3 × forward), see `ModelConfig.forwardFLOPs`.
        public let flopsPerStep: Double
        public let gflops: Double
        public let peak: GemmBenchmark.Result
        public var shareOfPeak: Double { gflops / peak.peak.gflops }
    }

    public static func run(config: any ModelConfig, batchSize: Int, length: Int, steps: Int = 5, seed: UInt64 = 0) throws -> Result {
        let model = try config.randomModel(seed: seed)
        let optimizer = AdamW(layout: model.layout, beta1: 0.9, beta2: 0.95, weightDecay: 0.1)
        var random = CounterRandom(seed: seed, domain: .synthesis)
        let stream = (0...batchSize * length).map { _ in Int32(random.next() % UInt64(config.vocabularySize)) }
        let tokens = Array(stream.dropLast()), targets = Array(stream.dropFirst())
        func step() throws {
            model.gradients.zero()
            try model.forward(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            model.backwardMeanCrossEntropy()
            optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: 1e-4)
        }
        try step()
        var times: [Double] = []
        for _ in 0..<steps { times.append(try Stopwatch.seconds(step)) }
        let median = times.sorted()[times.count / 2]
        let flops = 3 * config.forwardFLOPs(batchSize: batchSize, length: length)
        return Result(batchSize: batchSize, length: length, steps: steps, threads: Parallel.threadCount,
                      medianMilliseconds: median * 1000, tokensPerSecond: Double(batchSize * length) / median,
                      flopsPerStep: flops, gflops: flops / median / 1e9, peak: GemmBenchmark.run())
    }
}
