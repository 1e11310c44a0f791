/// The tanh approximation of GELU (Hugging Face's "gelu_new"):
/// y = ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
struct GELU {
    typealias Vector = VectorMath.Vector
    let count: Int

    private static let scale = Vector(repeating: (2 / Float.pi).squareRoot())
    private static let cubic: Float = 0.044715

    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>) {
        forEachVector { start, lanes in
            let x = VectorMath.load(inp + start, lanes: lanes)
            let t = VectorMath.tanh(Self.scale * (x + Self.cubic * x * x * x))
            VectorMath.store(0.5 * x * (1 + t), out + start, lanes: lanes)
        }
    }

    /// dinp = dout · GELU′(inp); `dinp` may be `dout` itself.
    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>) {
        forEachVector { start, lanes in
            let x = VectorMath.load(inp + start, lanes: lanes)
            let t = VectorMath.tanh(Self.scale * (x + Self.cubic * x * x * x))
            let innerSlope: Vector = Self.scale * (1 + 3 * Self.cubic * x * x)
            let slope: Vector = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * innerSlope
            VectorMath.store(VectorMath.load(dout + start, lanes: lanes) * slope, dinp + start, lanes: lanes)
        }
    }

    /// Splits the elements into vector-wide blocks (the last one padded), spread over threads, so
    /// each element goes through the same arithmetic whatever the split.
    private func forEachVector(_ body: (_ start: Int, _ lanes: Int) -> Void) {
        let count = count, width = VectorMath.width
        Parallel.forEachChunk((count + width - 1) / width, workPerItem: width) { blocks in
            for block in blocks { body(block * width, min(width, count - block * width)) }
        }
    }
}
