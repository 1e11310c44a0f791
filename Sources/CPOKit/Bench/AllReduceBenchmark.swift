/// How fast a communicator sums a gradient-sized Float buffer over its ranks, in the figures
/// collective benchmarks (nccl-tests, OSU) report, so they compare with published numbers.
public enum AllReduceBenchmark {
    public struct Result: Sendable {
        public let ranks: Int
        public let floats: Int
        public let iterations: Int
        /// Per timed all-reduce, the time of its slowest rank: a collective is done only when
        /// every rank is.
        public let seconds: [Double]

        public var bytes: Int { floats * MemoryLayout<Float>.stride }
        public var medianSeconds: Double { seconds.sorted()[seconds.count / 2] }
        /// Bytes per second as the caller sees it: the buffer's size over the time.
        public var algorithmBandwidth: Double { Double(bytes) / medianSeconds }
        /// What each rank's link carries per second in a ring all-reduce (2(n−1)/n × the buffer):
        /// comparable across rank counts and with a link's rated speed; zero for one rank.
        public var busBandwidth: Double { 2 * Double(ranks - 1) / Double(ranks) * algorithmBandwidth }
    }

    /// A warm-up all-reduce that did not produce the sum: the figures would be meaningless.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case wrongSum(index: Int, expected: Float, found: Float)

        public var description: String {
            switch self {
            case let .wrongSum(index, expected, found):
                return "all-reduce benchmark: element \(index) summed to \(found), expected \(expected)"
            }
        }
    }

    /// How much of the gradient all-reduce a backward pass hides, from times per repeat, each the
    /// slowest rank's: (a) the backward pass alone, (b) the all-reduce alone, (c) the backward pass
    /// with the overlapped all-reduce and its `finish()`, of which `finish()` alone took (d).
    /// (c) = (a) + (b) hides nothing, (c) = (a) all of it; (d) < (b) shows the sums ran during the
    /// backward pass, whether or not that made the whole faster.
    public struct Overlap: Sendable {
        public let repeats: Int
        public let backwardSeconds: [Double]
        public let allReduceSeconds: [Double]
        public let overlappedSeconds: [Double]
        public let finishSeconds: [Double]

        public var best: Times { times { $0.min()! } }
        public var median: Times { times { $0.sorted()[$0.count / 2] } }

        private func times(_ pick: ([Double]) -> Double) -> Times {
            Times(backward: pick(backwardSeconds), allReduce: pick(allReduceSeconds), overlapped: pick(overlappedSeconds),
                  finish: pick(finishSeconds))
        }

        public struct Times: Sendable {
            public let backward: Double
            public let allReduce: Double
            public let overlapped: Double
            public let finish: Double
            /// (a + b − c) / b, within [0, 1].
            public var hiddenShare: Double { min(1, max(0, (backward + allReduce - overlapped) / allReduce)) }
        }
    }

    /// Times `Overlap`'s three figures `repeats` times for a model of `config` on random tokens
    /// ([batchSize, length]), after one untimed round. The all-reduce alone sums the same buckets
    /// as the overlapped one. Every rank of `communicator` must call this with the same arguments.
    public static func overlap(communicator: MPICommunicator, config: any ModelConfig, batchSize: Int, length: Int,
                               repeats: Int, seed: UInt64 = 0) throws -> Overlap {
        precondition(repeats >= 1, "an overlap benchmark needs a repeat")
        let model = try config.randomModel(seed: seed)
        var random = CounterRandom(seed: seed, domain: .synthesis, example: communicator.rank)
        let stream = (0...batchSize * length).map { _ in Int32(random.next() % UInt64(config.vocabularySize)) }
        let tokens = Array(stream.dropLast()), targets = Array(stream.dropFirst())
        /// Starts together with the other ranks after a fresh forward pass, and times `body`.
        func timed(_ body: () throws -> Void) throws -> Double {
            model.gradients.zero()
            try model.forwardMeanCrossEntropy(tokens: tokens, targets: targets, batchSize: batchSize, length: length)
            try communicator.barrier()
            return try Stopwatch.seconds(body)
        }
        var local: [Double] = []
        for round in 0...repeats {
            var finish = 0.0
            let times = [
                try timed { model.backwardMeanCrossEntropy() },
                try timed { try model.gradientReduction(over: communicator).finish() },
                try timed {
                    let reduction = model.gradientReduction(over: communicator)
                    model.backwardMeanCrossEntropy(reduction: reduction)
                    finish = try Stopwatch.seconds { try reduction.finish() }
                },
            ]
            if round > 0 { local += times + [finish] }
        }
        let everyRank = try communicator.allGather(local)
        let slowest = (0..<local.count).map { i in stride(from: i, to: everyRank.count, by: local.count).map { everyRank[$0] }.max()! }
        func figure(_ k: Int) -> [Double] { stride(from: k, to: slowest.count, by: 4).map { slowest[$0] } }
        return Overlap(repeats: repeats, backwardSeconds: figure(0), allReduceSeconds: figure(1), overlappedSeconds: figure(2),
                       finishSeconds: figure(3))
    }

    /// The flat gradient buffer's length for a model configuration: what the trainer all-reduces.
    public static func gradientFloats(_ config: any ModelConfig) -> Int { config.zeroModel().layout.totalCount }

    /// One checked warm-up all-reduce, then `iterations` timed ones, each started together after
    /// a barrier. Every rank of `communicator` must call this with the same arguments.
    public static func run(communicator: any Communicator, floats: Int, iterations: Int) throws -> Result {
        precondition(floats >= 1 && iterations >= 1, "an all-reduce benchmark needs a buffer and an iteration")
        let buffer = FloatBuffer(count: floats)
        buffer.pointer.update(repeating: Float(communicator.rank + 1), count: floats)
        try communicator.allReduceSum(buffer.buffer)
        let expected = Float(communicator.size * (communicator.size + 1) / 2)
        for index in Set([0, floats / 2, floats - 1]) where buffer[index] != expected {
            throw Failure.wrongSum(index: index, expected: expected, found: buffer[index])
        }

        var local: [Double] = []
        for _ in 0..<iterations {
            try communicator.barrier()
            local.append(try Stopwatch.seconds { try communicator.allReduceSum(buffer.buffer) })
        }
        let everyRank = try communicator.allGather(local)
        let slowest = (0..<iterations).map { iteration in
            stride(from: iteration, to: everyRank.count, by: iterations).map { everyRank[$0] }.max()!
        }
        return Result(ranks: communicator.size, floats: floats, iterations: iterations, seconds: slowest)
    }
}
