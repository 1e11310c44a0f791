import Foundation

/// Runs blocking jobs, such as requests that wait on the network, on threads of their own: the
/// compute pool and Dispatch's are as wide as the machine has cores, so jobs that mostly wait
/// would leave them idle and run no more at once than there are cores.
enum ConcurrentJobs {
    /// Runs `job(0..<count)` on up to `width` threads, handing each result to `finished` one call at
    /// a time, in the order the jobs finish. After a failure no further job starts; the first error
    /// is rethrown once the running jobs have ended.
    static func run<Result>(count: Int, width: Int, job: (Int) throws -> Result, finished: (Int, Result) throws -> Void) throws {
        precondition(width >= 1, "at least one thread")
        let state = State()
        let group = DispatchGroup()
        try withoutActuallyEscaping(job) { job in
            try withoutActuallyEscaping(finished) { finished in
                state.work = { index in
                    let result = try job(index)
                    try state.lock.withLock { try finished(index, result) }
                }
                for _ in 0..<min(width, count) {
                    group.enter()
                    Thread {
                        defer { group.leave() }
                        while let index = state.take(count: count) {
                            do { try state.work!(index) } catch { state.fail(error) }
                        }
                    }.start()
                }
                group.wait()
                // The threads may outlive this call by a moment; they must not hold the closures then.
                state.work = nil
            }
        }
        if let failure = state.failure { throw failure }
    }

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        /// Set before the threads start and cleared after they have all left it.
        var work: ((Int) throws -> Void)?
        private var next = 0
        private(set) var failure: (any Error)?

        /// The next job to run, or nil when all have started or one has failed.
        func take(count: Int) -> Int? {
            lock.withLock {
                guard failure == nil, next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func fail(_ error: any Error) {
            lock.withLock { if failure == nil { failure = error } }
        }
    }
}
