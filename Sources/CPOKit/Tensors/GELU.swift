/// The tanh approximation of GELU (Hugging Face's "gelu_new"):
/// y = ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
///
/// Elements go in vector-wide blocks (the last one padded), spread over threads, so each element
/// goes through the same arithmetic whatever the split. Whole vectors take their own loop, written
/// out in each kernel: passed through a closure with the lane count, the vector code ran at half
/// the speed.
struct GELU {
    typealias Vector = VectorMath.Vector
    let count: Int

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>) {
        let count = count
        Parallel.forEachChunk(Self.blocks(count), workPerItem: VectorMath.width) { blocks in
            var (start, end) = Self.elements(blocks, count)
            while start + VectorMath.width <= end {
                VectorMath.store(Self.gelu(VectorMath.load(inp + start)), out + start)
                start += VectorMath.width
            }
            if start < end { VectorMath.store(Self.gelu(VectorMath.load(inp + start, lanes: end - start)), out + start, lanes: end - start) }
        }
    }

    /// dinp = dout · GELU′(inp); `dinp` may be `dout` itself.
    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>) {
        let count = count
        Parallel.forEachChunk(Self.blocks(count), workPerItem: VectorMath.width) { blocks in
            var (start, end) = Self.elements(blocks, count)
            while start + VectorMath.width <= end {
                VectorMath.store(VectorMath.load(dout + start) * Self.slope(VectorMath.load(inp + start)), dinp + start)
                start += VectorMath.width
            }
            if start < end {
                let lanes = end - start
                VectorMath.store(VectorMath.load(dout + start, lanes: lanes) * Self.slope(VectorMath.load(inp + start, lanes: lanes)),
                                 dinp + start, lanes: lanes)
            }
        }
    }

    @inline(__always) private static func gelu(_ x: Vector) -> Vector {
        Vector(repeating: 0.5) * x * (Vector(repeating: 1) + tanhOfInner(x))
    }

    /// GELU′(x).
    @inline(__always) private static func slope(_ x: Vector) -> Vector {
        let t = tanhOfInner(x), half = Vector(repeating: 0.5), one = Vector(repeating: 1)
        let innerSlope = scale * (one + Vector(repeating: 3 * cubic) * x * x)
        return half * (one + t) + half * x * (one - t * t) * innerSlope
    }

    /// tanh(√(2/π) · (x + 0.044715 · x³)).
    @inline(__always) private static func tanhOfInner(_ x: Vector) -> Vector {
        VectorMath.tanh(scale * (x + Vector(repeating: cubic) * x * x * x))
    }

    // Constants as vectors where they are used: a Float times a vector, or a stored static vector,
    // also halved the speed.
    private static var scale: Vector { Vector(repeating: (2 / Float.pi).squareRoot()) }
    private static var cubic: Float { 0.044715 }

    private static func blocks(_ count: Int) -> Int { (count + VectorMath.width - 1) / VectorMath.width }

    private static func elements(_ blocks: Range<Int>, _ count: Int) -> (start: Int, end: Int) {
        (blocks.lowerBound * VectorMath.width, min(blocks.upperBound * VectorMath.width, count))
    }
}
