/// After the start-up broadcast a rank's weights differ from rank 0's: its replica cannot be trusted.
public struct ReplicaMismatchError: Error, CustomStringConvertible {
    public let rank: Int
    public var description: String { "rank \(rank): model replica differs from rank 0's after the broadcast (checksum mismatch)" }
}
