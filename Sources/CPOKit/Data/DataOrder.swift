/// The order in which a run visits its training examples. Epoch e is `members` shuffled with
/// `CounterRandom(seed:, domain: .shuffle, step: e)`. A batch that reaches the end of an epoch goes
/// on into the next one, so every batch is full and every member is visited once per epoch.
public struct DataOrder: Sendable {
    public let members: [Int]
    public let seed: UInt64
    /// Where the next batch starts; `position` is always inside the epoch.
    public private(set) var cursor: DataCursor
    /// `members` in the order of `cursor.epoch`.
    private var epochOrder: [Int]

    /// `cursor` is normally `.start` or the one saved with a checkpoint.
    public init(members: [Int], seed: UInt64, cursor: DataCursor = .start) throws {
        guard !members.isEmpty else { throw DataError.invalidSetting(name: "training data", reason: "has no examples") }
        guard cursor.epoch >= 0 && (0...members.count).contains(cursor.position) else {
            throw DataError.invalidSetting(
                name: "data cursor",
                reason: "epoch \(cursor.epoch), position \(cursor.position) is not a place in \(members.count) training examples; the data changed since the checkpoint")
        }
        self.members = members
        self.seed = seed
        self.cursor = cursor
        epochOrder = Self.epochOrder(of: members, seed: seed, epoch: cursor.epoch)
        wrapAtEpochEnd()
    }

    public static func epochOrder(of members: [Int], seed: UInt64, epoch: Int) -> [Int] {
        var random = CounterRandom(seed: seed, domain: .shuffle, step: epoch)
        return members.shuffled(using: &random)
    }

    /// The next `size` members, advancing the cursor.
    public mutating func nextBatch(size: Int) -> [Int] {
        precondition(size >= 1, "a batch needs at least one example")
        var batch: [Int] = []
        batch.reserveCapacity(size)
        while batch.count < size {
            let taken = min(size - batch.count, members.count - cursor.position)
            batch += epochOrder[cursor.position ..< cursor.position + taken]
            cursor.position += taken
            wrapAtEpochEnd()
        }
        return batch
    }

    private mutating func wrapAtEpochEnd() {
        guard cursor.position == members.count else { return }
        cursor = DataCursor(epoch: cursor.epoch + 1, position: 0)
        epochOrder = Self.epochOrder(of: members, seed: seed, epoch: cursor.epoch)
    }
}
