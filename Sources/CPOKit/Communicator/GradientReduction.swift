import Foundation

/// The gradient all-reduce of one optimizer step, overlapped with the backward pass that produces
/// the gradients. The backward pass finishes block L−1 first and block 0 last, and each block's
/// gradients are one contiguous range of the flat buffer, so a block's sums can travel while the
/// blocks below it are still being differentiated.
///
/// A thread of its own issues the blocking in-place all-reduces: MPI_Iallreduce would progress only
/// inside later MPI calls, which the backward pass does not make. That thread is then the only one
/// calling MPI (MPI_THREAD_SERIALIZED): between the first `blockFinished` and `finish()` the caller
/// makes no MPI call.
///
/// The overlap pays only where a core is free for that thread: on cores the backward pass already
/// fills it takes its time from the compute (on 2 cores with 2 ranks it hid nothing and cost a
/// few %). Without `overlapping` the buckets wait for `finish()`: the same sums, after the pass.
///
/// Every rank sums the same buckets in the same order — blocks L−1 … 0, then the rest of the buffer
/// (the embeddings, which the backward pass finishes last, and the final LayerNorm), each cut at
/// the communicator's bucket size — whenever its own backward pass releases them, so the sums
/// depend neither on timing nor on whether a rank ran a backward pass at all.
public final class GradientReduction {
    /// The ranges of the buffer, in the order every rank all-reduces them.
    public let buckets: [Range<Int>]
    /// Per layer, how many of `buckets` are final once that block's backward pass has run.
    private let readyAfterBlock: [Int]
    private var nextBlock: Int
    private let progress: Progress
    /// Whether `blockFinished` releases buckets to the thread, or `finish()` releases them all.
    public let overlapping: Bool

    /// Starts the communication thread for `gradients`, whose block `l` spans `blocks[l]`
    /// (consecutive ranges in increasing order); nothing is summed before `blockFinished`.
    public init(gradients: UnsafeMutableBufferPointer<Float>, blocks: [Range<Int>], communicator: MPICommunicator,
                overlapping: Bool = true) {
        precondition(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }
                         && (blocks.last?.upperBound ?? 0) <= gradients.count, "blocks must be consecutive ranges of the buffer")
        let length = max(1, communicator.bucketBytes / MemoryLayout<Float>.stride)
        func cut(_ range: Range<Int>) -> [Range<Int>] {
            stride(from: range.lowerBound, to: range.upperBound, by: length).map { $0 ..< min($0 + length, range.upperBound) }
        }
        var buckets: [Range<Int>] = [], readyAfterBlock = [Int](repeating: 0, count: blocks.count)
        for layer in blocks.indices.reversed() {
            buckets += cut(blocks[layer])
            readyAfterBlock[layer] = buckets.count
        }
        let blocksStart = blocks.first?.lowerBound ?? 0, blocksEnd = blocks.last?.upperBound ?? 0
        buckets += cut(0 ..< blocksStart) + cut(blocksEnd ..< gradients.count)
        self.buckets = buckets
        self.readyAfterBlock = readyAfterBlock
        nextBlock = blocks.count - 1
        self.overlapping = overlapping
        progress = Progress(gradients: gradients, buckets: buckets, communicator: communicator)
        Thread { [progress] in progress.sumReleasedBuckets() }.start()
    }

    /// Called once the step's last backward pass has finished `layer`'s gradients; layers come
    /// from the last to the first.
    public func blockFinished(_ layer: Int) {
        precondition(layer == nextBlock, "blocks finish from the last to the first: expected \(nextBlock), got \(layer)")
        nextBlock -= 1
        if overlapping { progress.release(upTo: readyAfterBlock[layer]) }
    }

    /// Sums whatever is not summed yet and returns once every bucket is: the gradients are then
    /// the sums over all ranks, and the caller may use MPI again.
    public func finish() throws {
        progress.release(upTo: buckets.count)
        try progress.waitForAll()
    }

    /// A step abandoned by an error ends the thread without summing more.
    deinit { progress.abandon() }

    /// What the communication thread and the caller share: the buffer, which they touch in
    /// disjoint ranges, and under one lock the buckets released by the backward pass, the buckets
    /// summed, and how it ended.
    private final class Progress: @unchecked Sendable {
        private let gradients: UnsafeMutableBufferPointer<Float>
        private let buckets: [Range<Int>]
        private let communicator: MPICommunicator
        private let condition = NSCondition()
        private var total: Int { buckets.count }
        private var released = 0, summed = 0
        private var error: (any Error)?
        private var abandoned = false

        init(gradients: UnsafeMutableBufferPointer<Float>, buckets: [Range<Int>], communicator: MPICommunicator) {
            self.gradients = gradients; self.buckets = buckets; self.communicator = communicator
        }

        /// The communication thread: sums each bucket once released, in order, until all are
        /// summed, one fails or the step is abandoned.
        func sumReleasedBuckets() {
            while let index = nextReady() {
                do {
                    try communicator.allReduceSum(UnsafeMutableBufferPointer(rebasing: gradients[buckets[index]]))
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

        func waitForAll() throws {
            condition.lock()
            defer { condition.unlock() }
            while summed < total && error == nil { condition.wait() }
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
