import COpenBLAS

/// The machine's single-precision matrix-multiply peak as OpenBLAS delivers it: the best rate over
/// square and transformer-shaped products, on `Parallel.threadCount` threads.
public enum GemmBenchmark {
    public struct Measurement: Sendable {
        public let m: Int, n: Int, k: Int
        public let gflops: Double
    }

    public struct Result: Sendable {
        public let threads: Int
        /// The kernels OpenBLAS chose for this CPU (`OPENBLAS_CORETYPE` overrides the choice), e.g.
        /// SkylakeX (AVX-512), Haswell or Zen (both AVX2): the peak and the rounding depend on them.
        public let kernels: String
        /// Every shape tried, each at its best repetition.
        public let measurements: [Measurement]
        public var peak: Measurement { measurements.max { $0.gflops < $1.gflops }! }
    }

    /// Shapes: square products, and the [B·T, C] × [C, 4C] and LM-head products of GPT-2 124M.
    public static let defaultShapes: [(m: Int, n: Int, k: Int)] = [
        (1024, 1024, 1024), (2048, 2048, 2048), (256, 3072, 768), (256, 768, 3072), (768, 3072, 256), (256, 50257, 768),
    ]

    /// Repeats each shape for at least `secondsPerShape` and keeps its fastest run.
    public static func run(shapes: [(m: Int, n: Int, k: Int)] = defaultShapes, secondsPerShape: Double = 0.5) -> Result {
        let measurements = shapes.map { shape -> Measurement in
            let a = FloatBuffer(count: shape.m * shape.k), b = FloatBuffer(count: shape.k * shape.n), c = FloatBuffer(count: shape.m * shape.n)
            for i in 0..<a.count { a[i] = Float(i % 7) * 0.1 }
            for i in 0..<b.count { b[i] = Float(i % 5) * 0.1 }
            let best = Stopwatch.fastest(minimumSeconds: secondsPerShape) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(shape.m), Int32(shape.n), Int32(shape.k),
                            1, a.pointer, Int32(shape.k), b.pointer, Int32(shape.n), 0, c.pointer, Int32(shape.n))
            }
            return Measurement(m: shape.m, n: shape.n, k: shape.k, gflops: 2 * Double(shape.m * shape.n * shape.k) / best / 1e9)
        }
        return Result(threads: Parallel.threadCount, kernels: String(cString: openblas_get_corename()), measurements: measurements)
    }
}
