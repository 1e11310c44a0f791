import CPOKit

/// Runs a command's work on every rank of the world (one process without mpirun) and ends MPI.
enum WorldJob {
    static func run(_ work: (any Communicator) throws -> Void) throws {
        let communicator = try worldCommunicator()
        do {
            try work(communicator)
        } catch where communicator.size > 1 {
            // One failing rank would leave the others waiting in a collective: end the whole job.
            communicator.abort(code: 1, message: "rank \(communicator.rank) of \(communicator.size): error: \(error)")
        }
        try MPICommunicator.finalize()
    }
}
