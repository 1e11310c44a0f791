/// A flat buffer of `count` elements cut into one consecutive range per rank, in rank order: the
/// shards of ZeRO, each updated (and, at stage 2, summed) by its rank alone. Shards differ in size by
/// at most 16 elements and start on multiples of 16 (64 bytes), as the tensors of a layout do.
///
/// Every rank computes the same cut from `count` and the world size, so the pieces the collectives
/// below exchange agree between ranks without being sent.
public struct RankShards: Sendable, Equatable {
    public let ranges: [Range<Int>]

    public init(count: Int, ranks: Int) {
        precondition(count >= 0 && ranks >= 1, "shards need a non-negative count and at least one rank")
        let starts = (0 ..< ranks).map { count * $0 / ranks / 16 * 16 } + [count]
        ranges = (0 ..< ranks).map { starts[$0] ..< starts[$0 + 1] }
    }

    public var count: Int { ranges.last!.upperBound }

    /// How many elements of `piece` each rank's shard holds: the counts of a collective over that
    /// piece, since the shards are consecutive in rank order.
    public func counts(in piece: Range<Int>) -> [Int] {
        ranges.map { $0.clamped(to: piece).count }
    }

    /// After each rank has written its own shard of `buffer` (laid out over `0 ..< count`), gives
    /// every rank all of them, in pieces of at most `pieceLength` elements and with no second buffer.
    public func allGather(_ buffer: UnsafeMutableBufferPointer<Float>, over communicator: any Communicator, pieceLength: Int) throws {
        precondition(buffer.count == count, "buffer does not follow the shards")
        for piece in (0 ..< count).buckets(of: pieceLength) {
            try communicator.allGatherInPlace(UnsafeMutableBufferPointer(rebasing: buffer[piece]), counts: counts(in: piece))
        }
    }
}
