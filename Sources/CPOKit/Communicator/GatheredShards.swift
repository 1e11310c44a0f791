/// A flat buffer of which each rank holds its shard (`RankShards`), read on `root` piece by piece:
/// every rank sends its part of the next piece, and `root` alone sees the pieces. So rank 0 writes
/// AdamW's whole moments into a checkpoint with one piece in memory, not a second copy of them.
///
/// A collective: every rank calls `forEachPiece` at the same point, the ranks other than `root`
/// with a body that is never called.
public struct GatheredShards: FlatValues {
    public let shards: RankShards
    /// This rank's shard: element i is element `shards.ranges[rank].lowerBound + i` of the buffer.
    public let local: UnsafeBufferPointer<Float>
    public let communicator: any Communicator
    public let root: Int
    public let pieceLength: Int

    public init(shards: RankShards, local: UnsafeBufferPointer<Float>, communicator: any Communicator, root: Int = 0, pieceLength: Int) {
        precondition(local.count == shards.ranges[communicator.rank].count, "the local buffer is not this rank's shard")
        self.shards = shards; self.local = local; self.communicator = communicator; self.root = root; self.pieceLength = pieceLength
    }

    public var count: Int { shards.count }

    public func forEachPiece(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        let mine = shards.ranges[communicator.rank], isRoot = communicator.rank == root
        let received = FloatBuffer(count: isRoot ? min(pieceLength, count) : 0)
        for piece in (0 ..< count).buckets(of: pieceLength) {
            let part = mine.clamped(to: piece)
            let sent = part.isEmpty ? UnsafeBufferPointer(start: nil, count: 0)
                : UnsafeBufferPointer(rebasing: local[part.lowerBound - mine.lowerBound ..< part.upperBound - mine.lowerBound])
            let gathered = UnsafeMutableBufferPointer(rebasing: received.buffer[0 ..< (isRoot ? piece.count : 0)])
            try communicator.gather(sent, counts: shards.counts(in: piece), into: gathered, root: root)
            if isRoot { try body(UnsafeBufferPointer(gathered)) }
        }
    }
}
