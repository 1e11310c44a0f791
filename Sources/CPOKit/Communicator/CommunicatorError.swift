/// A collective that failed; names the MPI call (or the operation) at fault.
public enum CommunicatorError: Error, CustomStringConvertible, Equatable {
    case mpi(call: String, code: Int32, message: String)
    /// MPI granted a lower thread level than the trainer needs.
    case threadSupport(required: Int32, provided: Int32)
    /// MPI counts are 32-bit; this many elements cannot be described in one call.
    case countTooLarge(operation: String, count: Int)
    /// MPI was already finalized in this process; it cannot be initialised again.
    case finalized

    public var description: String {
        switch self {
        case let .mpi(call, code, message): return "\(call) failed with error \(code): \(message)"
        case let .threadSupport(required, provided):
            return "MPI_Init_thread: thread level \(provided) provided, \(required) (MPI_THREAD_SERIALIZED) required"
        case let .countTooLarge(operation, count): return "\(operation): \(count) elements exceed MPI's 32-bit counts"
        case .finalized: return "MPI is already finalized in this process"
        }
    }
}
