/// Where this rank stands in R = D data groups × S candidate shards (DESIGN §4).
///
/// Data group d trains on the d-th slice of the global batch. Within a group candidate k of every
/// example goes to shard k mod S (the ground truth, candidate 0, to shard 0); the shards all-gather
/// their scalar scores and each back-propagates only its own candidates. Objectives without
/// candidates (MLE, PSS) use S = 1, so every rank is a data group.
public struct RankLayout {
    public let world: any Communicator
    /// The ranks of this rank's data group, ordered by shard.
    public let group: any Communicator
    public let groups: Int
    public let shards: Int
    public var groupIndex: Int { world.rank / shards }
    public var shardIndex: Int { world.rank % shards }

    public init(world: any Communicator, shards: Int, batchSize: Int) throws {
        guard shards >= 1, world.size % shards == 0 else {
            throw OptionError(option: "candidate-shards", value: "\(shards)",
                              allowed: "a whole number ≥ 1 that divides the number of ranks (\(world.size))")
        }
        let groups = world.size / shards
        guard batchSize % groups == 0 else {
            throw OptionError(option: "batch-size", value: "\(batchSize)",
                              allowed: "a multiple of the number of data groups, \(groups) (\(world.size) ranks / \(shards) candidate shards)")
        }
        self.world = world
        self.shards = shards
        self.groups = groups
        group = shards == 1 || world.size == 1 ? SingleProcessCommunicator() : try world.split(color: world.rank / shards, key: world.rank % shards)
    }

    /// A world of one.
    public static var single: RankLayout { try! RankLayout(world: SingleProcessCommunicator(), shards: 1, batchSize: 1) }

    /// This group's share of the global batch.
    public func groupSlice(of batchSize: Int) -> Range<Int> {
        let size = batchSize / groups
        return groupIndex * size ..< (groupIndex + 1) * size
    }

    /// Whether this rank scores and back-propagates candidate k.
    public func ownsCandidate(_ k: Int) -> Bool { k % shards == shardIndex }
}
