/// Items 0..<count shared out over the ranks: item i on rank i mod R. Each rank works on its own
/// items, and `gather` puts every rank's results back in item order, so the number of ranks
/// changes what is computed where, never what comes out.
public struct RoundRobinShare {
    public let count: Int
    private let communicator: any Communicator

    public init(count: Int, over communicator: any Communicator) {
        self.count = count
        self.communicator = communicator
    }

    /// This rank's items, in increasing order.
    public var items: [Int] { Array(stride(from: communicator.rank, to: count, by: communicator.size)) }

    /// Every item's row, on every rank, given this rank's `rows`: one per item of `items`, in order.
    /// Call on every rank.
    public func gather<Element: CommunicatorElement>(_ rows: [[Element]]) throws -> [[Element]] {
        precondition(rows.count == items.count, "one row per item of this rank")
        let lengths = try communicator.allGatherVariable(rows.map { Int64($0.count) })
        let values = try communicator.allGatherVariable(rows.flatMap { $0 })
        let ranks = communicator.size
        var gathered = [[Element]](repeating: [], count: count)
        for source in 0..<ranks {
            var offset = 0
            for (k, length) in lengths[source].map(Int.init).enumerated() {
                gathered[source + k * ranks] = Array(values[source][offset ..< offset + length])
                offset += length
            }
        }
        return gathered
    }
}
