/// The machine's memory read bandwidth on `Parallel.threadCount` threads: the yardstick of work
/// bound by reading weights, such as a decode step, which reads every matrix of the model once
/// whatever its few rows.
public enum MemoryBandwidthBenchmark {
    public struct Result: Sendable {
        public let threads: Int
        public let bytes: Int
        /// Fastest full read of the buffer.
        public let gigabytesPerSecond: Double
    }

    /// Reads a buffer of `bytes` (far beyond the last-level cache, so every line comes from memory)
    /// with vector loads, split over the threads, for at least `seconds`; the fastest read counts.
    public static func run(bytes: Int = 1 << 30, seconds: Double = 1) -> Result {
        let buffer = FloatBuffer(count: bytes / MemoryLayout<Float>.size)
        let count = buffer.count, width = VectorMath.Vector.scalarCount
        Parallel.forEachChunk(count / width, workPerItem: width) { range in
            (buffer.pointer + range.lowerBound * width).update(repeating: 1, count: range.count * width)
        }
        let best = Stopwatch.fastest(minimumSeconds: seconds) {
            Parallel.forEachChunk(count / width, workPerItem: width) { range in
                // Four independent accumulators keep several loads in flight.
                var a = VectorMath.Vector(), b = a, c = a, d = a
                var i = range.lowerBound
                while i + 4 <= range.upperBound {
                    let p = UnsafePointer(buffer.pointer + i * width)
                    a += VectorMath.load(p); b += VectorMath.load(p + width)
                    c += VectorMath.load(p + 2 * width); d += VectorMath.load(p + 3 * width)
                    i += 4
                }
                while i < range.upperBound { a += VectorMath.load(buffer.pointer + i * width); i += 1 }
                // Kept in the chunk's own first float, so the loads cannot be optimised away.
                buffer.pointer[range.lowerBound * width] = ((a + b) + (c + d)).sum() * 0x1p-40
            }
        }
        return Result(threads: Parallel.threadCount, bytes: count * MemoryLayout<Float>.size,
                      gigabytesPerSecond: Double(count * MemoryLayout<Float>.size) / best / 1e9)
    }
}
