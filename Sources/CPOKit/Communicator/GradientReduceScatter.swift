/// ZeRO stage 2's sum of a backward pass's gradients: each bucket is reduce-scattered, so this rank
/// receives the sums of its own shard only and writes them in their place in the flat buffer; the
/// rest of the bucket is zeroed at once, whole pages handed back to the kernel
/// (`FloatBuffer.discardPages`). Memory then holds this rank's shard of the gradients plus the
/// buckets not yet summed — the blocks in flight and the embeddings, which the pass finishes last —
/// never the whole buffer, and the next pass adds into zeros.
///
/// Several passes in a step (micro-batches) need no second buffer: the shard's own elements keep
/// what the earlier passes summed, this rank's next backward pass adds its new gradients on top, the
/// other ranks send theirs from zeroed memory, and that pass's reduce-scatter yields the sum of all
/// passes over all ranks.
///
/// A page is handed back after the last bucket that touches it is summed (buckets are summed in
/// order, one at a time), and never while it holds elements of the shard: those pages' other
/// elements are zeroed by hand instead.
public final class GradientReduceScatter {
    public let gradients: FloatBuffer
    public let plan: GradientBuckets
    public let shards: RankShards
    private let communicator: MPICommunicator
    /// This rank's shard.
    public let shard: Range<Int>
    /// Per bucket: the whole pages free once it is summed, and elements to zero by hand.
    private let discardAfter: [[Range<Int>]]
    private let zeroAfter: [[Range<Int>]]
    /// This rank's part of one bucket's sum, on its way into the shard.
    private let received: FloatBuffer
    /// The most bytes of `gradients` in memory at once so far, sampled before each bucket's pages go
    /// back; nil unless asked for, as sampling walks the page table.
    public private(set) var residentPeak: Int?

    public init(gradients: FloatBuffer, blocks: [Range<Int>], communicator: MPICommunicator, measuringResidentPeak: Bool = false) {
        self.gradients = gradients
        self.communicator = communicator
        let count = gradients.count
        let plan = GradientBuckets(count: count, blocks: blocks, bucketLength: communicator.bucketLength(of: Float.self))
        self.plan = plan
        shards = RankShards(count: count, ranks: communicator.size)
        let shard = shards.ranges[communicator.rank]
        self.shard = shard
        received = FloatBuffer(count: plan.buckets.map { shard.clamped(to: $0).count }.max() ?? 0)
        residentPeak = measuringResidentPeak ? 0 : nil

        let pageLength = gradients.pageLength, pages = (count + pageLength - 1) / pageLength
        func elements(_ pages: Range<Int>) -> Range<Int> { pages.lowerBound * pageLength ..< min(pages.upperBound * pageLength, count) }
        // The pages holding elements of the shard stay; their other elements are zeroed by hand.
        let kept = shard.isEmpty ? 0 ..< 0 : shard.lowerBound / pageLength ..< (shard.upperBound - 1) / pageLength + 1
        var lastBucket = [Int](repeating: -1, count: pages)
        var zeroAfter = [[Range<Int>]](repeating: [], count: plan.buckets.count)
        for (index, bucket) in plan.buckets.enumerated() {
            for page in bucket.lowerBound / pageLength ... (bucket.upperBound - 1) / pageLength { lastBucket[page] = index }
            let below = bucket.clamped(to: 0 ..< shard.lowerBound), above = bucket.clamped(to: shard.upperBound ..< count)
            zeroAfter[index] = [below, above].map { $0.clamped(to: elements(kept)) }.filter { !$0.isEmpty }
        }
        var discardAfter = [[Range<Int>]](repeating: [], count: plan.buckets.count)
        for page in 0 ..< pages where !kept.contains(page) {
            let range = elements(page ..< page + 1), index = lastBucket[page]
            if let last = discardAfter[index].last, last.upperBound == range.lowerBound {
                discardAfter[index][discardAfter[index].count - 1] = last.lowerBound ..< range.upperBound
            } else {
                discardAfter[index].append(range)
            }
        }
        self.discardAfter = discardAfter
        self.zeroAfter = zeroAfter
    }

    /// One backward pass's reduction, to hand to the pass and then `finish()`.
    public func reduction(schedule: GradientReduction.Schedule) -> GradientReduction {
        GradientReduction(plan: plan, schedule: schedule) { [self] index in try sum(bucket: index) }
    }

    private func sum(bucket index: Int) throws {
        let bucket = plan.buckets[index], part = shard.clamped(to: bucket)
        let mine = UnsafeMutableBufferPointer(rebasing: received.buffer[0 ..< part.count])
        try communicator.reduceScatterSum(UnsafeBufferPointer(rebasing: gradients.buffer[bucket]), counts: shards.counts(in: bucket),
                                          into: mine)
        if !part.isEmpty { (gradients.pointer + part.lowerBound).update(from: mine.baseAddress!, count: part.count) }
        for range in zeroAfter[index] { gradients.zero(range) }
        if let peak = residentPeak, !discardAfter[index].isEmpty { residentPeak = max(peak, gradients.residentBytes) }
        for range in discardAfter[index] { gradients.discardPages(range) }
    }
}
