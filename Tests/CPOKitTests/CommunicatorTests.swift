import Foundation
import XCTest
@testable import CPOKit

/// What every communicator must do, for whatever world it spans: each rank contributes values
/// derived from its rank, and the results are compared with sums and concatenations computed
/// from the world size alone.
struct CollectiveChecks {
    let communicator: any Communicator
    var rank: Int { communicator.rank }
    var size: Int { communicator.size }

    func allReduceSumsFloatsInPlace(file: StaticString = #filePath, line: UInt = #line) throws {
        let count = 1000
        var values = (0..<count).map { Float(rank + 1) * Float($0 % 7) }
        try values.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        let ranks = Float(size * (size + 1) / 2)
        XCTAssertEqual(values, (0..<count).map { ranks * Float($0 % 7) }, file: file, line: line)
    }

    func allReduceSumsDoubles(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try communicator.allReduceSum(Double(rank) + 0.5), Double(size * (size - 1) / 2) + 0.5 * Double(size), file: file, line: line)
        let sums = try communicator.allReduceSum([1.0, Double(rank), -2.25])
        XCTAssertEqual(sums, [Double(size), Double(size * (size - 1) / 2), -2.25 * Double(size)], file: file, line: line)
    }

    func allGatherConcatenatesInRankOrder(file: StaticString = #filePath, line: UInt = #line) throws {
        func floats(_ rank: Int) -> [Float] { [Float(rank) * 10, Float(rank) * 10 + 0.5] }
        XCTAssertEqual(try communicator.allGather(floats(rank)), (0..<size).flatMap(floats), file: file, line: line)
        func ids(_ rank: Int) -> [Int32] { [Int32(rank), Int32(-rank), Int32.max - Int32(rank)] }
        XCTAssertEqual(try communicator.allGather(ids(rank)), (0..<size).flatMap(ids), file: file, line: line)
    }

    func allGatherVariableKeepsEachRanksCount(file: StaticString = #filePath, line: UInt = #line) throws {
        func contribution(_ rank: Int, count: Int) -> [Int32] { (0..<count).map { Int32(rank * 100 + $0) } }
        let growing = try communicator.allGatherVariable(contribution(rank, count: 2 * rank + 1))
        XCTAssertEqual(growing, (0..<size).map { contribution($0, count: 2 * $0 + 1) }, file: file, line: line)
        // Rank 0 contributes nothing.
        let floats = try communicator.allGatherVariable(contribution(rank, count: rank).map(Float.init))
        XCTAssertEqual(floats, (0..<size).map { contribution($0, count: $0).map(Float.init) }, file: file, line: line)
    }

    func broadcastCopiesTheRootsData(file: StaticString = #filePath, line: UInt = #line) throws {
        let root = size - 1
        func rootValues() -> [Float] { (0..<300).map { Float($0) * 0.5 + Float(root) } }
        var values = rank == root ? rootValues() : [Float](repeating: -1, count: 300)
        try values.withUnsafeMutableBufferPointer { try communicator.broadcast($0, root: root) }
        XCTAssertEqual(values, rootValues(), file: file, line: line)

        let message = Array("{\"step\": 12}".utf8)
        var bytes = rank == 0 ? message : []
        try communicator.broadcast(&bytes, root: 0)
        XCTAssertEqual(bytes, message, file: file, line: line)
    }

    /// Uneven counts, rank 0's empty: each rank receives its part of the sum, in rank order.
    func reduceScatterHandsEachRankItsPartOfTheSum(file: StaticString = #filePath, line: UInt = #line) throws {
        let counts = (0..<size).map { 3 * $0 }, total = counts.reduce(0, +)
        let send = (0..<total).map { Float($0 % 11) * Float(rank + 1) }
        var received = [Float](repeating: -1, count: counts[rank])
        try send.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { try communicator.reduceScatterSum(send, counts: counts, into: $0) }
        }
        let start = counts[..<rank].reduce(0, +), ranks = Float(size * (size + 1) / 2)
        XCTAssertEqual(received, (start ..< start + counts[rank]).map { Float($0 % 11) * ranks }, file: file, line: line)
    }

    /// Each rank's contribution already in its place; afterwards every rank holds all of them.
    func allGatherInPlaceFillsEveryRanksPlace(file: StaticString = #filePath, line: UInt = #line) throws {
        let counts = (0..<size).map { $0 + 2 }, total = counts.reduce(0, +)
        func value(_ i: Int) -> Float { Float(i) * 0.25 + 1 }
        let start = counts[..<rank].reduce(0, +)
        var buffer = (0..<total).map { (start ..< start + counts[rank]).contains($0) ? value($0) : -1 }
        try buffer.withUnsafeMutableBufferPointer { try communicator.allGatherInPlace($0, counts: counts) }
        XCTAssertEqual(buffer, (0..<total).map(value), file: file, line: line)
    }

    /// The last rank gathers every rank's values, rank 0's empty, in rank order; the others' buffers stay as they were.
    func gatherConcatenatesOnTheRootOnly(file: StaticString = #filePath, line: UInt = #line) throws {
        let root = size - 1, counts = (0..<size).map { 2 * $0 }
        func contribution(_ rank: Int) -> [Float] { (0 ..< counts[rank]).map { Float(rank * 100 + $0) } }
        var gathered = [Float](repeating: -1, count: rank == root ? counts.reduce(0, +) : 0)
        try contribution(rank).withUnsafeBufferPointer { local in
            try gathered.withUnsafeMutableBufferPointer { try communicator.gather(local, counts: counts, into: $0, root: root) }
        }
        XCTAssertEqual(gathered, rank == root ? (0..<size).flatMap(contribution) : [], file: file, line: line)
    }

    /// A buffer cut into shards is gathered whole on rank 0, piece by piece across shard edges, and
    /// all-gathered on every rank, with pieces much smaller than a shard and larger than the buffer.
    func shardedBuffersGatherWhole(file: StaticString = #filePath, line: UInt = #line) throws {
        let count = 1003, shards = RankShards(count: count, ranks: size), mine = shards.ranges[rank]
        func value(_ i: Int) -> Float { Float(i) * 0.5 - 7 }
        for pieceLength in [5, 64, 2000] {
            let local = mine.map(value)
            var pieces: [Float] = []
            try local.withUnsafeBufferPointer { local in
                let gathered = GatheredShards(shards: shards, local: local, communicator: communicator, pieceLength: pieceLength)
                try gathered.forEachPiece {
                    XCTAssertLessThanOrEqual($0.count, pieceLength, file: file, line: line)
                    pieces += $0
                }
            }
            XCTAssertEqual(pieces, rank == 0 ? (0..<count).map(value) : [], "pieces of \(pieceLength)", file: file, line: line)
            var buffer = (0..<count).map { mine.contains($0) ? value($0) : 0 }
            try buffer.withUnsafeMutableBufferPointer { try shards.allGather($0, over: communicator, pieceLength: pieceLength) }
            XCTAssertEqual(buffer, (0..<count).map(value), "all-gather in pieces of \(pieceLength)", file: file, line: line)
        }
    }

    func splitGroupsRanksByColorOrderedByKey(file: StaticString = #filePath, line: UInt = #line) throws {
        // Same-parity ranks form a group; the negative key reverses their order.
        let group = try communicator.split(color: rank % 2, key: -rank)
        let members = (0..<size).filter { $0 % 2 == rank % 2 }
        XCTAssertEqual(group.size, members.count, file: file, line: line)
        XCTAssertEqual(group.rank, members.filter { $0 > rank }.count, file: file, line: line)
        XCTAssertEqual(try group.allReduceSum(Double(rank)), Double(members.reduce(0, +)), file: file, line: line)
        try group.barrier()
        try communicator.barrier()
    }

    /// The ranks of a node see one copy, filled once; with shared memory refused (a directory that
    /// does not exist), each rank holds its own. Either way no file is left behind.
    func nodeSharedBufferHoldsOneCopyPerNode(file: StaticString = #filePath, line: UInt = #line) throws {
        let node = try communicator.splitByNode()
        let values = (0..<5000).map { Float($0) * 0.25 - 7 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var fills = 0
        let shared = try communicator.nodeSharedBuffer(count: values.count, directory: directory.path) {
            fills += 1
            _ = $0.update(from: values)
        }
        XCTAssertEqual(shared.buffer.toArray(), values, file: file, line: line)
        XCTAssertEqual(shared.ranksSharing, node.size, file: file, line: line)
        XCTAssertNil(shared.refusal, file: file, line: line)
        XCTAssertEqual(try node.allReduceSum(Int32(fills)), 1, "one rank per node fills the buffer", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [], file: file, line: line)

        let refused = try communicator.nodeSharedBuffer(count: values.count, directory: directory.appendingPathComponent("missing").path) {
            _ = $0.update(from: values)
        }
        XCTAssertEqual(refused.buffer.toArray(), values, file: file, line: line)
        XCTAssertEqual(refused.ranksSharing, 1, file: file, line: line)
        if node.size > 1 {
            XCTAssertTrue(refused.refusal?.contains("missing") ?? false, "\(refused.refusal ?? "no refusal")", file: file, line: line)
        }
        try communicator.barrier()
    }
}

final class CommunicatorSingleProcessTests: XCTestCase {
    private let checks = CollectiveChecks(communicator: SingleProcessCommunicator())

    func testIsAWorldOfOne() {
        XCTAssertEqual(checks.communicator.rank, 0)
        XCTAssertEqual(checks.communicator.size, 1)
    }

    func testAllReduceSum() throws {
        try checks.allReduceSumsFloatsInPlace()
        try checks.allReduceSumsDoubles()
    }

    func testAllGather() throws {
        try checks.allGatherConcatenatesInRankOrder()
        try checks.allGatherVariableKeepsEachRanksCount()
    }

    func testBroadcast() throws { try checks.broadcastCopiesTheRootsData() }

    func testSplit() throws { try checks.splitGroupsRanksByColorOrderedByKey() }

    func testNodeSharedBuffer() throws { try checks.nodeSharedBufferHoldsOneCopyPerNode() }
    func testShardCollectives() throws {
        try checks.reduceScatterHandsEachRankItsPartOfTheSum()
        try checks.allGatherInPlaceFillsEveryRanksPlace()
        try checks.gatherConcatenatesOnTheRootOnly()
        try checks.shardedBuffersGatherWhole()
    }

    func testPlainProcessGetsTheSingleProcessWorld() throws {
        XCTAssertFalse(MPICommunicator.isLaunchedByMPI, "this test class runs outside mpirun")
        XCTAssertTrue(try worldCommunicator() is SingleProcessCommunicator)
    }
}

/// Runs in the test process itself, where MPI starts as a singleton (a world of one), and again
/// under `mpirun -np 2` from `CommunicatorTwoRankTests`; the same assertions hold for both.
final class CommunicatorMPITests: XCTestCase {
    /// Tiny buckets, so even these small buffers are all-reduced and broadcast in many pieces.
    private static let bucketBytes = 64

    /// MPI must be finalized before a rank exits, or mpirun reports the job as failed (which
    /// `CommunicatorTwoRankTests` would then see); a failure here shows up there.
    override class func tearDown() {
        try? MPICommunicator.finalize()
        super.tearDown()
    }

    private func checks() throws -> CollectiveChecks {
        CollectiveChecks(communicator: try MPICommunicator.world(bucketBytes: Self.bucketBytes))
    }

    func testWorldMatchesTheLaunch() throws {
        let world = try MPICommunicator.world()
        let launchedSize = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) } ?? 1
        XCTAssertEqual(world.size, launchedSize)
        XCTAssertTrue((0..<world.size).contains(world.rank))
        XCTAssertEqual(world.bucketBytes, MPICommunicator.defaultBucketBytes)
        let chosen = try worldCommunicator()
        XCTAssertEqual(chosen is MPICommunicator, MPICommunicator.isLaunchedByMPI)
        XCTAssertEqual(chosen.size, launchedSize)
    }

    func testAllReduceSum() throws {
        try checks().allReduceSumsFloatsInPlace()
        try checks().allReduceSumsDoubles()
    }

    func testAllGather() throws {
        try checks().allGatherConcatenatesInRankOrder()
        try checks().allGatherVariableKeepsEachRanksCount()
    }

    func testBroadcast() throws { try checks().broadcastCopiesTheRootsData() }

    func testSplit() throws { try checks().splitGroupsRanksByColorOrderedByKey() }

    func testNodeSharedBuffer() throws { try checks().nodeSharedBufferHoldsOneCopyPerNode() }
    func testShardCollectives() throws {
        try checks().reduceScatterHandsEachRankItsPartOfTheSum()
        try checks().allGatherInPlaceFillsEveryRanksPlace()
        try checks().gatherConcatenatesOnTheRootOnly()
        try checks().shardedBuffersGatherWhole()
    }

    /// Buckets of 1 KiB (a quarter of a page, edges inside tensors) and of 64 KiB (16 pages).
    func testGradientReduceScatterKeepsTheSummedShardOnly() throws {
        let world = try MPICommunicator.world()
        for bucketBytes in [1 << 10, 64 << 10] {
            let checks = try GradientReductionChecks(communicator: try MPICommunicator.world(bucketBytes: bucketBytes))
            try checks.reduceScatterKeepsTheSummedShardOnly(schedule: .duringPass, backwardRanks: Set(0 ..< world.size))
            try checks.reduceScatterKeepsTheSummedShardOnly(schedule: .blockByBlock, backwardRanks: Set(0 ..< world.size))
            try checks.reduceScatterKeepsTheSummedShardOnly(schedule: .blockByBlock, backwardRanks: [0])
        }
    }

    /// 1 KiB buckets: the tiny model's blocks span several, with edges inside tensors.
    private func reductionChecks() throws -> GradientReductionChecks {
        try GradientReductionChecks(communicator: try MPICommunicator.world(bucketBytes: 1024))
    }

    func testGradientReductionBucketsFollowTheBackwardPass() throws { try reductionChecks().bucketsFollowTheBackwardPass() }

    func testGradientReductionSumsAsTheBlockingAllReduce() throws {
        let world = try MPICommunicator.world()
        try reductionChecks().overlappedSumsMatchTheBlockingAllReduce(backwardRanks: Set(0..<world.size))
        // Rank 0 alone runs a backward pass; the others sum everything in finish().
        try reductionChecks().overlappedSumsMatchTheBlockingAllReduce(backwardRanks: [0])
        try reductionChecks().overlappedSumsMatchTheBlockingAllReduce(backwardRanks: [])
    }
}
