/// How the backward passes of a training step hand their gradients to the other ranks, by ZeRO
/// stage. Stages 0 and 1 all-reduce the flat buffer once, during or after the step's last backward
/// pass, the earlier passes (micro-batches) only adding into it. Stage 2 reduce-scatters after every
/// backward pass (`GradientReduceScatter`), so no pass leaves more than this rank's shard and the
/// buckets in flight in memory; with several micro-batches that sends their gradients once each. In a
/// world of one the passes just add up.
///
/// An objective runs each backward pass through `backwardPass(last:_:)`; the trainer calls
/// `finish()` after the step's last one. A reduction owns MPI while its pass runs (see
/// `GradientReduction`), so a pass other than the last is finished before `backwardPass` returns,
/// leaving MPI to the objective's next collective.
public final class GradientExchange {
    private enum Sum {
        case alone
        case allReduce(gradients: FloatBuffer, blocks: [Range<Int>], communicator: MPICommunicator)
        case reduceScatter(GradientReduceScatter)
    }

    private let sum: Sum
    private let overlapping: Bool
    /// The step's last reduction, until `finish()`.
    private var pending: GradientReduction?

    private init(sum: Sum, overlapping: Bool) {
        self.sum = sum
        self.overlapping = overlapping
    }

    /// A world of one: nothing to exchange.
    public static var alone: GradientExchange { GradientExchange(sum: .alone, overlapping: false) }

    /// Stages 0 and 1: the all-reduce of `gradients` (block `l` spanning `blocks[l]`) after the step's
    /// last backward pass, overlapped with it when `overlapping`.
    public static func allReduce(_ gradients: FloatBuffer, blocks: [Range<Int>], over communicator: MPICommunicator,
                                 overlapping: Bool) -> GradientExchange {
        GradientExchange(sum: .allReduce(gradients: gradients, blocks: blocks, communicator: communicator), overlapping: overlapping)
    }

    /// Stage 2: `reduceScatter` after every backward pass, overlapped with it when `overlapping`,
    /// otherwise block by block as the pass finishes them (never all at the end, which would keep
    /// the whole buffer in memory).
    public static func reduceScatter(_ reduceScatter: GradientReduceScatter, overlapping: Bool) -> GradientExchange {
        GradientExchange(sum: .reduceScatter(reduceScatter), overlapping: overlapping)
    }

    /// Runs one backward pass of the step, handing it the reduction that hears of its blocks (nil
    /// when this pass sends nothing). `last` marks the step's last pass.
    public func backwardPass(last: Bool, _ pass: (GradientReduction?) throws -> Void) throws {
        precondition(pending == nil, "a backward pass after the step's last one")
        switch sum {
        case .alone:
            try pass(nil)
        case let .allReduce(gradients, blocks, communicator):
            guard last else { return try pass(nil) }
            let reduction = GradientReduction(gradients: gradients.buffer, blocks: blocks, communicator: communicator, overlapping: overlapping)
            pending = reduction
            try pass(reduction)
        case let .reduceScatter(reduceScatter):
            let reduction = reduceScatter.reduction(schedule: overlapping ? .duringPass : .blockByBlock)
            if last { pending = reduction }
            try pass(reduction)
            if !last { try reduction.finish() }
        }
    }

    /// Waits until the step's gradients are summed: all of them (stages 0 and 1), or this rank's
    /// shard (stage 2). The caller may use MPI again.
    public func finish() throws {
        defer { pending = nil }
        try pending?.finish()
    }
}
