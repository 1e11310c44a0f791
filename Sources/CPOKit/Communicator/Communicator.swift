import Foundation

/// The collectives training needs, over a group of ranks that all call them in the same order.
/// Buffers are summed, gathered and broadcast in place where possible, so the flat gradient
/// buffer is all-reduced with one call.
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }

    /// Replaces every element by its sum over all ranks.
    func allReduceSum<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>) throws
    /// Every rank contributes `local` (the same count on all ranks); `gathered` receives the
    /// contributions in rank order and holds `local.count × size` elements.
    func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>,
                                                 into gathered: UnsafeMutableBufferPointer<Element>) throws
    /// As `allGather(_:into:)`, with rank r contributing `counts[r]` elements; every rank passes
    /// the same `counts`.
    func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                                 into gathered: UnsafeMutableBufferPointer<Element>) throws
    /// As `allGather(_:counts:into:)`, with each rank's contribution already in its place in
    /// `buffer` (after the counts of the ranks before it): no second buffer.
    func allGatherInPlace<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, counts: [Int]) throws
    /// Sums `send` (`counts.reduce(0, +)` elements on every rank) over the ranks and hands each rank
    /// only its part of the sum: rank r receives the `counts[r]` elements after the counts of the
    /// ranks before it into `received`.
    func reduceScatterSum<Element: CommunicatorElement>(_ send: UnsafeBufferPointer<Element>, counts: [Int],
                                                        into received: UnsafeMutableBufferPointer<Element>) throws
    /// Rank r's `local` (`counts[r]` elements) to `root`, whose `gathered` receives them in rank
    /// order; the other ranks' `gathered` is not touched (pass an empty one).
    func gather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                              into gathered: UnsafeMutableBufferPointer<Element>, root: Int) throws
    /// Copies `root`'s buffer into every rank's buffer of the same count.
    func broadcast<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, root: Int) throws
    func barrier() throws
    /// Ranks passing the same `color` (≥ 0) form a new communicator, ranked by `key`, then by
    /// their rank here.
    func split(color: Int, key: Int) throws -> any Communicator
    /// The ranks that share this one's memory (its node), ranked in their order here.
    func splitByNode() throws -> any Communicator
    /// Ends every rank of the job after writing `message` to standard error: the one way out
    /// when one rank fails and the others would wait forever in a collective.
    func abort(code: Int32, message: String) -> Never
}

extension Communicator {
    public func allReduceSum<Element: CommunicatorElement>(_ value: Element) throws -> Element {
        var values = [value]
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return values[0]
    }

    public func allReduceSum<Element: CommunicatorElement>(_ values: [Element]) throws -> [Element] {
        var values = values
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return values
    }

    /// Every rank's `values` (the same count on all ranks), concatenated in rank order.
    public func allGather<Element: CommunicatorElement>(_ values: [Element]) throws -> [Element] {
        try gathered(count: values.count * size) { output in
            try values.withUnsafeBufferPointer { try allGather($0, into: output) }
        }
    }

    /// Every rank's `values`, whose counts may differ between ranks, indexed by rank.
    public func allGatherVariable<Element: CommunicatorElement>(_ values: [Element]) throws -> [[Element]] {
        let counts = try allGather([Int64(values.count)]).map { Int($0) }
        let flat = try gathered(count: counts.reduce(0, +)) { output in
            try values.withUnsafeBufferPointer { try allGather($0, counts: counts, into: output) }
        }
        var start = 0
        return counts.map { count in
            defer { start += count }
            return Array(flat[start..<start + count])
        }
    }

    /// Replaces `values` on every rank by `root`'s, whatever their count was.
    public func broadcast<Element: CommunicatorElement>(_ values: inout [Element], root: Int) throws {
        let count = try broadcastCount(values.count, root: root)
        if rank != root { values = [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count } }
        try values.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    private func broadcastCount(_ count: Int, root: Int) throws -> Int {
        var counts = [Int64(count)]
        try counts.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
        return Int(counts[0])
    }

    private func gathered<Element>(count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) throws -> Void) throws -> [Element] {
        try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            try fill(buffer)
            initialized = count
        }
    }
}

/// This process's world: MPI's when the process was started by `mpirun`, otherwise a world of
/// one, without initialising MPI at all.
public func worldCommunicator(bucketBytes: Int = MPICommunicator.defaultBucketBytes) throws -> any Communicator {
    MPICommunicator.isLaunchedByMPI ? try MPICommunicator.world(bucketBytes: bucketBytes) : SingleProcessCommunicator()
}
