import CMPI
import Foundation

/// A communicator over OpenMPI. The world communicator initialises MPI on first use, at
/// `MPI_THREAD_SERIALIZED`: one thread calls MPI at a time, but not always the main one, since
/// `GradientReduction` sums gradients on a thread of its own. `finalize()` ends MPI for the
/// process. Collective errors are returned, not fatal, so they surface as `CommunicatorError`.
public final class MPICommunicator: Communicator {
    /// PyTorch DDP's default bucket: large enough to amortise latency, small enough to overlap
    /// with the backward pass.
    public static let defaultBucketBytes = 25 << 20

    /// True when an MPI launcher (`mpirun`, `srun`) started this process as a rank.
    public static var isLaunchedByMPI: Bool { MPILaunch.isRank(environment: ProcessInfo.processInfo.environment) }

    public let rank: Int
    public let size: Int
    /// All-reduces and broadcasts of large buffers go out in pieces of at most this many bytes.
    public var bucketBytes: Int {
        didSet { precondition(bucketBytes > 0, "bucket size must be positive") }
    }
    private let communicator: MPI_Comm
    /// Communicators made by `split` are freed with their object (every rank drops it at the same
    /// point of the program, as the collective MPI_Comm_free expects); the world never is.
    private let ownsCommunicator: Bool

    private init(communicator: MPI_Comm, owns: Bool, bucketBytes: Int) throws {
        precondition(bucketBytes > 0, "bucket size must be positive")
        self.communicator = communicator
        ownsCommunicator = owns
        self.bucketBytes = bucketBytes
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(communicator, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(communicator, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    deinit {
        if ownsCommunicator && !Self.isFinalized {
            var communicator: MPI_Comm? = self.communicator
            MPI_Comm_free(&communicator)
        }
    }

    /// All ranks of the job; initialises MPI if this is the first use in the process. A process
    /// not started by `mpirun` becomes an MPI singleton, a world of one.
    public static func world(bucketBytes: Int = defaultBucketBytes) throws -> MPICommunicator {
        guard !isFinalized else { throw CommunicatorError.finalized }
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided), "MPI_Init_thread")
            guard provided >= cmpi_thread_serialized() else {
                throw CommunicatorError.threadSupport(required: cmpi_thread_serialized(), provided: provided)
            }
            try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        }
        return try MPICommunicator(communicator: cmpi_comm_world(), owns: false, bucketBytes: bucketBytes)
    }

    /// Ends MPI for this process, once every rank is done communicating; does nothing if MPI was
    /// never initialised or is already finalized.
    public static func finalize() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        guard initialized != 0, !isFinalized else { return }
        try check(MPI_Finalize(), "MPI_Finalize")
    }

    private static var isFinalized: Bool {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        return finalized != 0
    }

    public func allReduceSum<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>) throws {
        for bucket in (0 ..< buffer.count).buckets(of: bucketLength(of: Element.self)) {
            try Self.check(MPI_Allreduce(cmpi_in_place(), buffer.baseAddress! + bucket.lowerBound, Int32(bucket.count),
                                         Self.datatype(Element.self), cmpi_op_sum(), communicator), "MPI_Allreduce")
        }
    }

    public func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>,
                                                        into gathered: UnsafeMutableBufferPointer<Element>) throws {
        precondition(gathered.count == local.count * size, "gather buffer must hold count × size elements")
        let count = try Self.int32(local.count, "MPI_Allgather")
        try Self.check(MPI_Allgather(local.baseAddress, count, Self.datatype(Element.self),
                                     gathered.baseAddress, count, Self.datatype(Element.self), communicator), "MPI_Allgather")
    }

    public func allGather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                                        into gathered: UnsafeMutableBufferPointer<Element>) throws {
        precondition(counts.count == size && counts[rank] == local.count && gathered.count == counts.reduce(0, +),
                     "gather counts must list every rank's count, this rank's matching its buffer")
        let (receiveCounts, offsets) = try Self.displacements(counts, "MPI_Allgatherv")
        try Self.check(MPI_Allgatherv(local.baseAddress, receiveCounts[rank], Self.datatype(Element.self),
                                      gathered.baseAddress, receiveCounts, offsets, Self.datatype(Element.self), communicator),
                       "MPI_Allgatherv")
    }

    public func allGatherInPlace<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, counts: [Int]) throws {
        precondition(counts.count == size && buffer.count == counts.reduce(0, +), "gather counts must list every rank's count")
        let (receiveCounts, offsets) = try Self.displacements(counts, "MPI_Allgatherv")
        try Self.check(MPI_Allgatherv(cmpi_in_place(), 0, Self.datatype(Element.self),
                                      buffer.baseAddress, receiveCounts, offsets, Self.datatype(Element.self), communicator),
                       "MPI_Allgatherv")
    }

    public func reduceScatterSum<Element: CommunicatorElement>(_ send: UnsafeBufferPointer<Element>, counts: [Int],
                                                               into received: UnsafeMutableBufferPointer<Element>) throws {
        precondition(counts.count == size && send.count == counts.reduce(0, +) && received.count == counts[rank],
                     "reduce-scatter counts must list every rank's count, this rank's matching its buffer")
        let (receiveCounts, _) = try Self.displacements(counts, "MPI_Reduce_scatter")
        try Self.check(MPI_Reduce_scatter(send.baseAddress, received.baseAddress, receiveCounts, Self.datatype(Element.self),
                                          cmpi_op_sum(), communicator), "MPI_Reduce_scatter")
    }

    public func gather<Element: CommunicatorElement>(_ local: UnsafeBufferPointer<Element>, counts: [Int],
                                                     into gathered: UnsafeMutableBufferPointer<Element>, root: Int) throws {
        precondition((0..<size).contains(root), "gather root \(root) is not a rank")
        precondition(counts.count == size && counts[rank] == local.count && (rank != root || gathered.count == counts.reduce(0, +)),
                     "gather counts must list every rank's count, this rank's matching its buffer")
        let (receiveCounts, offsets) = try Self.displacements(counts, "MPI_Gatherv")
        try Self.check(MPI_Gatherv(local.baseAddress, receiveCounts[rank], Self.datatype(Element.self),
                                   gathered.baseAddress, receiveCounts, offsets, Self.datatype(Element.self), Int32(root), communicator),
                       "MPI_Gatherv")
    }

    public func broadcast<Element: CommunicatorElement>(_ buffer: UnsafeMutableBufferPointer<Element>, root: Int) throws {
        precondition((0..<size).contains(root), "broadcast root \(root) is not a rank")
        for bucket in (0 ..< buffer.count).buckets(of: bucketLength(of: Element.self)) {
            try Self.check(MPI_Bcast(buffer.baseAddress! + bucket.lowerBound, Int32(bucket.count), Self.datatype(Element.self),
                                     Int32(root), communicator), "MPI_Bcast")
        }
    }

    public func barrier() throws {
        try Self.check(MPI_Barrier(communicator), "MPI_Barrier")
    }

    public func split(color: Int, key: Int) throws -> any Communicator {
        precondition(color >= 0, "split color must be non-negative")
        var part: MPI_Comm? = cmpi_comm_null()
        try Self.check(MPI_Comm_split(communicator, Int32(color), Int32(key), &part), "MPI_Comm_split")
        return try MPICommunicator(communicator: part!, owns: true, bucketBytes: bucketBytes)
    }

    public func splitByNode() throws -> any Communicator {
        var part: MPI_Comm? = cmpi_comm_null()
        try Self.check(MPI_Comm_split_type(communicator, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &part),
                       "MPI_Comm_split_type")
        return try MPICommunicator(communicator: part!, owns: true, bucketBytes: bucketBytes)
    }

    public func abort(code: Int32, message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        MPI_Abort(communicator, code)
        exit(code)
    }

    /// Elements of `type` in one bucket: at most `bucketBytes`, and at most Int32.max.
    public func bucketLength<Element>(of type: Element.Type) -> Int {
        min(max(1, bucketBytes / MemoryLayout<Element>.stride), Int(Int32.max))
    }

    private static func datatype<Element: CommunicatorElement>(_ type: Element.Type) -> MPI_Datatype {
        switch Element.communicatorType {
        case .float: return cmpi_float()
        case .double: return cmpi_double()
        case .int32: return cmpi_int32()
        case .int64: return cmpi_int64()
        case .uint8: return cmpi_uint8()
        }
    }

    /// Per-rank counts and their starts (the counts before each) as MPI's 32-bit arrays.
    private static func displacements(_ counts: [Int], _ call: String) throws -> (counts: [Int32], offsets: [Int32]) {
        var starts = [0]
        for count in counts.dropLast() { starts.append(starts.last! + count) }
        return (try counts.map { try int32($0, call) }, try starts.map { try int32($0, call) })
    }

    private static func int32(_ count: Int, _ call: String) throws -> Int32 {
        guard let value = Int32(exactly: count) else { throw CommunicatorError.countTooLarge(operation: call, count: count) }
        return value
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != cmpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw CommunicatorError.mpi(call: call, code: code, message: String(cString: text))
    }
}
