import Foundation

/// The sum over the ranks of one backward pass's gradients, bucket by bucket in the order of
/// `GradientBuckets`, overlapped with the pass where that pays. What summing a bucket means is the
/// caller's: an in-place all-reduce (ZeRO stages 0 and 1), or a reduce-scatter that keeps this
/// rank's shard only (stage 2, `GradientReduceScatter`).
///
/// A thread of its own issues the blocking collectives: MPI_Iallreduce would progress only inside
/// later MPI calls, which the backward pass does not make. That thread is then the only one calling
/// MPI (MPI_THREAD_SERIALIZED): between the first `blockFinished` and `finish()` the caller makes no
/// MPI call.
///
/// The overlap pays only where a core is free for that thread: on cores the backward pass already
/// fills it takes its time from the compute (on 2 cores with 2 ranks it hid nothing and cost a few
/// %). Every rank sums the same buckets in the same order whenever its own backward pass releases
/// them, so the sums depend neither on the schedule nor on whether a rank ran a backward pass at all.
public final class GradientReduction {
    /// When the buckets are summed.
    public enum Schedule: Sendable {
        /// On the communication thread as soon as the pass has finished their block.
        case duringPass
        /// All in `finish()`, after the pass.
        case afterPass
        /// As each block finishes, the pass waiting for them: no overlap, but a block's buckets
        /// are done with before the next block is differentiated (what stage 2 needs to keep
        /// only the blocks in flight in memory when no core is free for the overlap).
        case blockByBlock
    }

    public let plan: GradientBuckets
    public var buckets: [Range<Int>] { plan.buckets }
    public let schedule: Schedule
    private var nextBlock: Int
    private let progress: Progress

    /// Starts the communication thread; `sum(i)` sums bucket i of `plan`, called on that thread for
    /// i = 0, 1, … in order. Nothing is summed before `blockFinished`.
    public init(plan: GradientBuckets, schedule: Schedule, sum: @escaping (Int) throws -> Void) {
        self.plan = plan
        self.schedule = schedule
        nextBlock = plan.readyAfterBlock.count - 1
        progress = Progress(total: plan.buckets.count, sum: sum)
        Thread { [progress] in progress.sumReleasedBuckets() }.start()
    }

    /// The all-reduce of `gradients`, whose block `l` spans `blocks[l]`, in buckets of the
    /// communicator's bucket size: during the pass when `overlapping`, else after it.
    public convenience init(gradients: UnsafeMutableBufferPointer<Float>, blocks: [Range<Int>], communicator: MPICommunicator,
                            overlapping: Bool = true) {
        let plan = GradientBuckets(count: gradients.count, blocks: blocks, bucketLength: communicator.bucketLength(of: Float.self))
        self.init(plan: plan, schedule: overlapping ? .duringPass : .afterPass) { index in
            try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: gradients[plan.buckets[index]]))
        }
    }

    /// Called once the pass has finished `layer`'s gradients; layers come from the last to the first.
    public func blockFinished(_ layer: Int) {
        precondition(layer == nextBlock, "blocks finish from the last to the first: expected \(nextBlock), got \(layer)")
        nextBlock -= 1
        switch schedule {
        case .duringPass: progress.release(upTo: plan.readyAfterBlock[layer])
        case .blockByBlock:
            progress.release(upTo: plan.readyAfterBlock[layer])
            progress.wait(upTo: plan.readyAfterBlock[layer])
        case .afterPass: break
        }
    }

    /// Sums whatever is not summed yet and returns once every bucket is; the caller may then use
    /// MPI again.
    public func finish() throws {
        progress.release(upTo: plan.buckets.count)
        try progress.waitForAll()
    }

    /// A pass abandoned by an error ends the thread without summing more.
    deinit { progress.abandon() }

    /// What the communication thread and the caller share: under one lock, the buckets released by
    /// the backward pass, the buckets summed, and how it ended. The buffer itself they touch in
    /// disjoint ranges.
    private final class Progress: @unchecked Sendable {
        private let total: Int
        private let sum: (Int) throws -> Void
        private let condition = NSCondition()
        private var released = 0, summed = 0
        private var error: (any Error)?
        private var abandoned = false

        init(total: Int, sum: @escaping (Int) throws -> Void) {
            self.total = total; self.sum = sum
        }

        /// The communication thread: sums each bucket once released, in order, until all are
        /// summed, one fails or the pass is abandoned.
        func sumReleasedBuckets() {
            while let index = nextReady() {
                do {
                    try sum(index)
                    update { summed += 1 }
                } catch {
                    update { self.error = error }
                }
            }
        }

        /// The next bucket to sum once it is released; nil when all are summed or the thread must stop.
        private func nextReady() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while summed == released && summed < total && error == nil && !abandoned { condition.wait() }
            return summed < total && error == nil && !abandoned ? summed : nil
        }

        func release(upTo count: Int) { update { released = max(released, count) } }
        func abandon() { update { abandoned = true } }

        /// Returns once `count` buckets are summed or one failed (`waitForAll` reports it).
        func wait(upTo count: Int) {
            condition.lock()
            defer { condition.unlock() }
            while summed < count && error == nil { condition.wait() }
        }

        func waitForAll() throws {
            wait(upTo: total)
            condition.lock()
            defer { condition.unlock() }
            if let error { throw error }
        }

        private func update(_ change: () -> Void) {
            condition.lock()
            change()
            condition.broadcast()
            condition.unlock()
        }
    }
}
