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

    /// The flat gradient buffer's length for a model configuration: what the trainer all-reduces.
    public static func gradientFloats(_ config: GPT2Config) -> Int { GPT2Tensors.layout(config).totalCount }

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
