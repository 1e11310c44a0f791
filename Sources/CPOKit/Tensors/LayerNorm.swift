/// LayerNorm over the last dimension of `rows` rows: out = (x − mean) / √(var + ε) · weight + bias.
struct LayerNorm {
    typealias Vector = VectorMath.Vector
    let rows: Int
    let channels: Int
    let epsilon: Float

    /// Keeps each row's mean and reciprocal standard deviation for the backward pass.
    func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                 inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        let channels = channels, epsilon = epsilon
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let x = inp + row * channels, o = out + row * channels
                let m = VectorMath.sum(x, channels) / Float(channels)
                var squares = Vector()
                var i = 0
                while i + VectorMath.width <= channels {
                    let centred = VectorMath.load(x + i) - m
                    squares += centred * centred
                    i += VectorMath.width
                }
                var variance = squares.sum()
                while i < channels { variance += (x[i] - m) * (x[i] - m); i += 1 }
                let s = 1 / (variance / Float(channels) + epsilon).squareRoot()
                for c in 0..<channels { o[c] = (x[c] - m) * s * weight[c] + bias[c] }
                mean[row] = m
                rstd[row] = s
            }
        }
    }

    /// Adds the input gradient to `dinp` (the residual stream's gradient) and this batch's weight and
    /// bias gradients to `dweight` and `dbias`.
    func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
                  dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                  weight: UnsafePointer<Float>) {
        let channels = channels, rows = rows
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let x = inp + row * channels, d = dout + row * channels, dx = dinp + row * channels
                let m = mean[row], s = rstd[row]
                // dx = s · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), with dx̂ = dout · weight.
                var sumDNorm = Vector(), sumDNormTimesCentred = Vector()
                var i = 0
                while i + VectorMath.width <= channels {
                    let dNorm = VectorMath.load(d + i) * VectorMath.load(weight + i)
                    sumDNorm += dNorm
                    sumDNormTimesCentred += dNorm * (VectorMath.load(x + i) - m)
                    i += VectorMath.width
                }
                var meanDNorm = sumDNorm.sum(), meanDNormTimesNorm = sumDNormTimesCentred.sum()
                while i < channels {
                    meanDNorm += d[i] * weight[i]
                    meanDNormTimesNorm += d[i] * weight[i] * (x[i] - m)
                    i += 1
                }
                meanDNorm /= Float(channels)
                meanDNormTimesNorm = meanDNormTimesNorm * s / Float(channels)
                for c in 0..<channels {
                    let norm = (x[c] - m) * s
                    dx[c] += s * (d[c] * weight[c] - meanDNorm - norm * meanDNormTimesNorm)
                }
            }
        }
        Parallel.forEachChunk(channels, workPerItem: rows) { range in
            for row in 0..<rows {
                let x = inp + row * channels, d = dout + row * channels
                let m = mean[row], s = rstd[row]
                for c in range {
                    dweight[c] += d[c] * (x[c] - m) * s
                    dbias[c] += d[c]
                }
            }
        }
    }
}
