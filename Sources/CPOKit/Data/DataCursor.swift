/// Where a run is in its endless sequence of shuffled epochs: the next batch starts at `position`
/// of epoch `epoch`. Saved with a checkpoint so that a resumed run continues with exactly the next
/// batch.
public struct DataCursor: Codable, Sendable, Equatable {
    public var epoch: Int
    public var position: Int

    public static let start = DataCursor(epoch: 0, position: 0)

    public init(epoch: Int, position: Int) {
        self.epoch = epoch
        self.position = position
    }
}
