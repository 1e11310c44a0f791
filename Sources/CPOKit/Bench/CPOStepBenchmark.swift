/// Times whole CPO optimizer steps of a GPT-2 preset on random prompts and responses, split into
/// negative generation, reference scoring, the policy's forward/backward, and the optimizer.
public enum CPOStepBenchmark {
    public struct Result: Sendable {
        public let steps: Int
        public let threads: Int
        /// Median seconds per step of each phase and of the whole step.
        public let sampling: Double, reference: Double, forwardBackward: Double, optimizer: Double, total: Double
        /// Policy token positions per second over the whole step.
        public let tokensPerSecond: Double
        public let negativeLength: Double
    }

    public static func run(config: any ModelConfig, options: TrainingOptions, promptLength: Int, responseLength: Int,
                           steps: Int) throws -> Result {
        var random = CounterRandom(seed: options.seed, domain: .synthesis)
        func tokens(_ count: Int) -> [Int32] {
            (0..<count).map { _ in Int32(random.next() % UInt64(config.vocabularySize - 1)) }
        }
        let endOfText = Int32(config.vocabularySize - 1)
        let examples = (0 ..< max(options.batchSize * (steps + 1), 2 * options.batchSize)).map {
            InstructionExample(promptIDs: tokens(promptLength), responseIDs: tokens(responseLength) + [endOfText], line: $0 + 1)
        }
        let policy = try config.randomModel(seed: options.seed)
        let reference = try config.randomModel(seed: options.seed)
        let objective = try ContrastiveTraining(policy: policy, reference: reference, data: .instructions(examples),
                                                options: options, padding: endOfText)
        let optimizer = AdamW(layout: policy.layout, beta1: options.adamBeta1, beta2: options.adamBeta2,
                              epsilon: options.adamEpsilon, weightDecay: options.weightDecay)
        var phases: [[Double]] = []
        for step in 0 ... steps {
            policy.gradients.zero()
            let batch = Array(step * options.batchSize ..< (step + 1) * options.batchSize)
            var result: ObjectiveStep!
            let total = try Stopwatch.seconds {
                result = try objective.accumulateGradients(step: step, batch: batch, microBatches: options.gradAccumulation ?? 1, exchange: .alone)
                clipGradientNorm(policy.gradients, maxNorm: Float(options.gradClip))
                optimizer.update(parameters: policy.parameters, gradients: policy.gradients, learningRate: options.learningRate)
            }
            let m = result.metrics
            let modelPhases = m["sampling_s"]! + m["reference_s"]! + m["forward_backward_s"]!
            // Step 0 warms caches and allocates buffers; it is not counted.
            if step > 0 {
                phases.append([m["sampling_s"]!, m["reference_s"]!, m["forward_backward_s"]!, total - modelPhases, total,
                               Double(result.tokens) / total, m["negative_length_mean"]!])
            }
        }
        func median(_ i: Int) -> Double { phases.map { $0[i] }.sorted()[phases.count / 2] }
        return Result(steps: steps, threads: Parallel.threadCount, sampling: median(0), reference: median(1),
                      forwardBackward: median(2), optimizer: median(3), total: median(4), tokensPerSecond: median(5),
                      negativeLength: median(6))
    }
}
