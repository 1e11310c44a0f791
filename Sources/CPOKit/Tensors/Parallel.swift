import COpenBLAS
import Dispatch
import Foundation

/// Splits kernel work across threads in contiguous chunks of items (rows, channels, heads).
///
/// Every output element is computed by exactly one thread with the same arithmetic whatever the
/// split, and no kernel reduces across chunks, so results are bitwise identical for any thread count.
public enum Parallel {
    private nonisolated(unsafe) static var threads = ProcessInfo.processInfo.activeProcessorCount

    /// Below this many elements of work a kernel runs on the calling thread: waking workers would
    /// cost more than the work.
    static let minimumParallelWork = 4096

    /// Threads used by the kernels and by OpenBLAS.
    public static var threadCount: Int { threads }

    /// Sets the threads used by the kernels and by OpenBLAS. Process-wide: call it before work starts
    /// (e.g. 1 when every core runs its own MPI rank).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1")
        threads = count
        openblas_set_num_threads(Int32(count))
    }

    /// Calls `body` on contiguous ranges covering `0..<count`, concurrently when the work is large
    /// enough. `workPerItem` is a rough element count per item, to keep tiny jobs on one thread.
    static func forEachChunk(_ count: Int, workPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threads, count)
        if chunks <= 1 || count * workPerItem < minimumParallelWork {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(count * chunk / chunks ..< count * (chunk + 1) / chunks)
        }
    }
}
