/// RMSNorm over the last dimension of `rows` rows, as Llama's (Hugging Face `LlamaRMSNorm`, in
/// fp32): out = weight · (x · r) with r = 1 / √(mean(x²) + ε).
struct RMSNorm {
    typealias Vector = VectorMath.Vector
    let rows: Int
    let channels: Int
    let epsilon: Float

    /// Keeps each row's r for the backward pass.
    func forward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                 weight: UnsafePointer<Float>) {
        let channels = channels, epsilon = epsilon
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let x = inp + row * channels, o = out + row * channels
                let r = 1 / (VectorMath.dot(x, x, channels) / Float(channels) + epsilon).squareRoot()
                let scale = Vector(repeating: r)
                VectorMath.forEachBlock(channels) { c, lanes in
                    VectorMath.store(VectorMath.load(weight + c, lanes: lanes) * (VectorMath.load(x + c, lanes: lanes) * scale), o + c, lanes: lanes)
                }
                rstd[row] = r
            }
        }
    }

    /// Adds the input gradient to `dinp` (the residual stream's gradient) and this batch's weight
    /// gradient to `dweight`.
    func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                  inp: UnsafePointer<Float>, rstd: UnsafePointer<Float>, weight: UnsafePointer<Float>) {
        let channels = channels, rows = rows
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let x = inp + row * channels, d = dout + row * channels, dx = dinp + row * channels
                let r = rstd[row]
                // With n = dout · weight: dx = r · n − x · r³ · mean(n · x), as ∂r/∂x = −r³ · x / C.
                var products = Vector()
                VectorMath.forEachBlock(channels) { c, lanes in
                    products += VectorMath.load(d + c, lanes: lanes) * VectorMath.load(weight + c, lanes: lanes) * VectorMath.load(x + c, lanes: lanes)
                }
                let scale = Vector(repeating: r), correction = Vector(repeating: r * r * r * products.sum() / Float(channels))
                VectorMath.forEachBlock(channels) { c, lanes in
                    let n = VectorMath.load(d + c, lanes: lanes) * VectorMath.load(weight + c, lanes: lanes)
                    let gradient = scale * n - VectorMath.load(x + c, lanes: lanes) * correction
                    VectorMath.store(VectorMath.load(dx + c, lanes: lanes) + gradient, dx + c, lanes: lanes)
                }
            }
        }
        Parallel.forEachChunk(channels, workPerItem: rows) { range in
            for row in 0..<rows {
                let x = inp + row * channels, d = dout + row * channels, r = rstd[row]
                for c in range { dweight[c] += d[c] * (x[c] * r) }
            }
        }
    }
}
