/// The gated activation of Llama's MLP: out = silu(gate) · up, silu(g) = g / (1 + e^−g), over rows
/// that hold gate and up side by side ([rows, 2·width]: the outputs of gate_proj and up_proj,
/// stacked into one product).
///
/// Rows are split over threads and each row goes in vector-wide blocks (the last one padded), so
/// each element goes through the same arithmetic whatever the split; whole vectors take their own
/// loop, as in `GELU`.
struct SwiGLU {
    typealias Vector = VectorMath.Vector
    let rows: Int
    let width: Int

    /// out: [rows, width]; inp: [rows, 2·width].
    func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>) {
        let width = width
        Parallel.forEachChunk(rows, workPerItem: width) { range in
            for row in range {
                let gate = inp + row * 2 * width, up = gate + width, o = out + row * width
                var c = 0
                while c + VectorMath.width <= width {
                    VectorMath.store(Self.silu(VectorMath.load(gate + c)) * VectorMath.load(up + c), o + c)
                    c += VectorMath.width
                }
                if c < width {
                    let lanes = width - c
                    VectorMath.store(Self.silu(VectorMath.load(gate + c, lanes: lanes)) * VectorMath.load(up + c, lanes: lanes), o + c, lanes: lanes)
                }
            }
        }
    }

    /// dinp: [rows, 2·width], the gradients of gate and up; dout: [rows, width].
    func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>) {
        let width = width
        Parallel.forEachChunk(rows, workPerItem: width) { range in
            for row in range {
                let gate = inp + row * 2 * width, up = gate + width, d = dout + row * width
                let dGate = dinp + row * 2 * width, dUp = dGate + width
                var c = 0
                while c + VectorMath.width <= width {
                    let (g, u) = Self.gradients(VectorMath.load(d + c), gate: VectorMath.load(gate + c), up: VectorMath.load(up + c))
                    VectorMath.store(g, dGate + c)
                    VectorMath.store(u, dUp + c)
                    c += VectorMath.width
                }
                if c < width {
                    let lanes = width - c
                    let (g, u) = Self.gradients(VectorMath.load(d + c, lanes: lanes), gate: VectorMath.load(gate + c, lanes: lanes),
                                                up: VectorMath.load(up + c, lanes: lanes))
                    VectorMath.store(g, dGate + c, lanes: lanes)
                    VectorMath.store(u, dUp + c, lanes: lanes)
                }
            }
        }
    }

    /// PyTorch's form, x / (1 + e^−x). For very negative x `VectorMath.exp` stops short of
    /// overflow, so the quotient is a tiny negative number where PyTorch's is −0.
    @inline(__always) private static func silu(_ x: Vector) -> Vector {
        x / (Vector(repeating: 1) + VectorMath.exp(-x))
    }

    /// ∂/∂gate = dout · up · σ(g) · (1 + g · (1 − σ(g))) and ∂/∂up = dout · silu(g), σ(g) = 1 / (1 + e^−g).
    @inline(__always) private static func gradients(_ d: Vector, gate g: Vector, up u: Vector) -> (gate: Vector, up: Vector) {
        let one = Vector(repeating: 1), denominator = one + VectorMath.exp(-g)
        let sigmoid = one / denominator
        return (d * u * (sigmoid * (one + g * (one - sigmoid))), d * (g / denominator))
    }
}
