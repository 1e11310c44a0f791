/// The order in which a backward pass's gradients travel between the ranks. The backward pass
/// finishes block L−1 first and block 0 last, and each block's gradients are one contiguous range
/// of the flat buffer, so a block's buckets can go out while the blocks below it are still being
/// differentiated: blocks L−1 … 0, then the rest of the buffer (the embeddings, which the backward
/// pass finishes last, and what follows the blocks), each cut at the bucket length.
///
/// Every rank cuts the same buckets, so they sum the same pieces in the same order whatever the
/// timing.
public struct GradientBuckets: Sendable {
    /// The ranges of the buffer, in the order every rank sums them.
    public let buckets: [Range<Int>]
    /// Per layer, how many of `buckets` are final once that block's backward pass has run.
    public let readyAfterBlock: [Int]

    /// The buckets of a buffer of `count` elements whose block `l` spans `blocks[l]` (consecutive
    /// ranges in increasing order).
    public init(count: Int, blocks: [Range<Int>], bucketLength: Int) {
        precondition(zip(blocks, blocks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }
                         && (blocks.last?.upperBound ?? 0) <= count, "blocks must be consecutive ranges of the buffer")
        var buckets: [Range<Int>] = [], readyAfterBlock = [Int](repeating: 0, count: blocks.count)
        for layer in blocks.indices.reversed() {
            buckets += blocks[layer].buckets(of: bucketLength)
            readyAfterBlock[layer] = buckets.count
        }
        let blocksStart = blocks.first?.lowerBound ?? 0, blocksEnd = blocks.last?.upperBound ?? 0
        buckets += (0 ..< blocksStart).buckets(of: bucketLength) + (blocksEnd ..< count).buckets(of: bucketLength)
        self.buckets = buckets
        self.readyAfterBlock = readyAfterBlock
    }
}
