import Foundation

/// How a Llama-family model stretches its rotary frequencies beyond the context it was trained on
/// (config.json's `rope_type` and its parameters).
public enum RoPEScaling: Equatable, Sendable {
    /// `default`: θ_i = base^(−2i/d).
    case none
    /// `linear`: every frequency divided by `factor` (positions interpolated).
    case linear(factor: Double)
    /// `llama3`: long wavelengths divided by `factor`, short ones kept, a smooth ramp between.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Int)
}

/// Rotary position embedding as Hugging Face's Llama applies it ("rotate half"): in each head of
/// size d, the pair (x[i], x[i + d/2]) of a row at position p turns by the angle p · θ_i, i < d/2:
/// x[i] ← x[i]·cos − x[i + d/2]·sin, x[i + d/2] ← x[i + d/2]·cos + x[i]·sin.
///
/// Applied in place to the first `heads` heads of each of `rows` rows, `rowStride` floats apart:
/// in a packed q, k, v row the query heads and then the key heads, which sit side by side.
struct RotaryEmbedding {
    typealias Vector = VectorMath.Vector
    let rows: Int
    let heads: Int
    let headSize: Int
    let rowStride: Int

    /// Rotates each row by its position's angles; `table` is `Self.table`'s.
    func forward(_ x: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, position: (Int) -> Int) {
        rotate(x, table: table, position: position, inverse: false)
    }

    /// Turns the gradient of the rotated rows into that of the rows before: the rotation's transpose,
    /// the same turn backwards.
    func backward(_ dx: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, position: (Int) -> Int) {
        rotate(dx, table: table, position: position, inverse: true)
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>, position: (Int) -> Int, inverse: Bool) {
        let heads = heads, d = headSize, half = headSize / 2, rowStride = rowStride
        Parallel.forEachChunk(rows, workPerItem: heads * d) { range in
            for row in range {
                let angles = table + position(row) * d
                for h in 0..<heads {
                    let low = x + row * rowStride + h * d, high = low + half
                    VectorMath.forEachBlock(half) { i, lanes in
                        let cos = VectorMath.load(angles + i, lanes: lanes), sine = VectorMath.load(angles + half + i, lanes: lanes)
                        let sin = inverse ? -sine : sine
                        let a = VectorMath.load(low + i, lanes: lanes), b = VectorMath.load(high + i, lanes: lanes)
                        VectorMath.store(a * cos - b * sin, low + i, lanes: lanes)
                        VectorMath.store(b * cos + a * sin, high + i, lanes: lanes)
                    }
                }
            }
        }
    }

    /// cos(p · θ_i) for i < d/2, then sin(p · θ_i), for each position p < `positions`: [positions, d].
    /// The angle is the fp32 product p · θ_i, as Hugging Face forms it.
    static func table(inverseFrequencies: [Float], positions: Int) -> FloatBuffer {
        let half = inverseFrequencies.count, table = FloatBuffer(count: positions * 2 * half)
        Parallel.forEachChunk(positions, workPerItem: 64 * half) { range in
            for p in range {
                for (i, frequency) in inverseFrequencies.enumerated() {
                    let angle = Double(Float(p) * frequency)
                    table[p * 2 * half + i] = Float(Foundation.cos(angle))
                    table[p * 2 * half + half + i] = Float(Foundation.sin(angle))
                }
            }
        }
        return table
    }

    /// θ_i for i < d/2, computed in fp32 as Hugging Face's `_compute_default_rope_parameters`,
    /// `_compute_linear_scaling_rope_parameters` and `_compute_llama3_parameters` do: PyTorch
    /// rounds Python scalars to fp32 where they meet a tensor, and turns `scalar / tensor` into
    /// `reciprocal(tensor) · scalar`.
    static func inverseFrequencies(headSize d: Int, base: Double, scaling: RoPEScaling) -> [Float] {
        let base = Float(base)
        let plain = stride(from: 0, to: d, by: 2).map { i -> Float in
            1 / Float(Foundation.pow(Double(base), Double(Float(i) / Float(d))))
        }
        switch scaling {
        case .none:
            return plain
        case let .linear(factor):
            return plain.map { $0 / Float(factor) }
        case let .llama3(factor, lowFrequencyFactor, highFrequencyFactor, originalMaxPositions):
            let factor = Float(factor), low = Float(lowFrequencyFactor)
            let lowWavelength = Float(Double(originalMaxPositions) / lowFrequencyFactor)
            let highWavelength = Float(Double(originalMaxPositions) / highFrequencyFactor)
            let ramp = Float(highFrequencyFactor - lowFrequencyFactor)
            return plain.map { frequency in
                let wavelength = 1 / frequency * Float(2 * Double.pi)
                let kept = wavelength > lowWavelength ? frequency / factor : frequency
                guard !(wavelength < highWavelength) && !(wavelength > lowWavelength) else { return kept }
                let smooth = (1 / wavelength * Float(originalMaxPositions) - low) / ramp
                return (1 - smooth) * kept / factor + smooth * kept
            }
        }
    }
}
