import Foundation

/// Causal multi-head self-attention, softmax(q·kᵀ / √d) · v per head, over q, k, v packed in one
/// [B·T, 3C] tensor (all query heads, then all key heads, then all value heads; head h at columns
/// h·d..<(h+1)·d of each part).
///
/// Only each row's log-sum-exp is kept from the forward pass; the backward pass recomputes the
/// probabilities, so memory grows with B·H·T rather than B·H·T².
struct CausalAttention {
    typealias Vector = VectorMath.Vector
    let batchSize: Int
    let length: Int
    let channels: Int
    let heads: Int

    private var headSize: Int { channels / heads }
    private var scale: Float { 1 / Float(headSize).squareRoot() }
    private static let query = 0, key = 1, value = 2

    /// out: [B·T, C], the heads side by side; logSumExp: [B, H, T].
    func forward(out: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>) {
        let headSize = headSize
        forEachHead { b, h, p in
            for t in 0..<length {
                let lse = fillScores(p, qkv: qkv, b, t, h)
                normalise(p, t, logSumExp: lse)
                logSumExp[(b * heads + h) * length + t] = lse
                let o = out + outputOffset(b, t, h)
                o.update(repeating: 0, count: headSize)
                for t2 in 0...t { VectorMath.addScaled(p[t2], qkv + packedOffset(Self.value, b, t2, h), to: o, headSize) }
            }
        }
    }

    /// Overwrites `dqkv` with the gradients of q, k and v.
    func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                  out: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>) {
        let headSize = headSize, scale = scale
        forEachHead { b, h, p in
            for t in 0..<length {
                for part in Self.query...Self.value {
                    (dqkv + packedOffset(part, b, t, h)).update(repeating: 0, count: headSize)
                }
            }
            for t in 0..<length {
                _ = fillScores(p, qkv: qkv, b, t, h)
                normalise(p, t, logSumExp: logSumExp[(b * heads + h) * length + t])
                let q = qkv + packedOffset(Self.query, b, t, h), dq = dqkv + packedOffset(Self.query, b, t, h)
                let d = dout + outputOffset(b, t, h)
                // Σ_j p_j · (dout · v_j) equals dout · out, so the softmax backward needs no extra pass.
                let dOutDotOut = VectorMath.dot(d, out + outputOffset(b, t, h), headSize)
                for t2 in 0...t {
                    let k = packedOffset(Self.key, b, t2, h), v = packedOffset(Self.value, b, t2, h)
                    let dScore = p[t2] * (VectorMath.dot(d, qkv + v, headSize) - dOutDotOut) * scale
                    VectorMath.addScaled(p[t2], d, to: dqkv + v, headSize)
                    VectorMath.addScaled(dScore, qkv + k, to: dq, headSize)
                    VectorMath.addScaled(dScore, q, to: dqkv + k, headSize)
                }
            }
        }
    }

    /// Writes the scaled scores of query t against keys 0...t into `p` and returns their log-sum-exp.
    private func fillScores(_ p: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, _ b: Int, _ t: Int, _ h: Int) -> Float {
        let q = qkv + packedOffset(Self.query, b, t, h)
        for t2 in 0...t { p[t2] = VectorMath.dot(q, qkv + packedOffset(Self.key, b, t2, h), headSize) * scale }
        let maximum = VectorMath.maximum(p, t + 1)
        return maximum + Foundation.log(VectorMath.sumOfExponentials(p, t + 1, shift: maximum))
    }

    /// Turns the scores p[0...t] into probabilities.
    private func normalise(_ p: UnsafeMutablePointer<Float>, _ t: Int, logSumExp: Float) {
        VectorMath.forEachBlock(t + 1) { start, lanes in
            let scores = VectorMath.load(p + start, lanes: lanes)
            VectorMath.store(VectorMath.exp(scores - Vector(repeating: logSumExp)), p + start, lanes: lanes)
        }
    }

    /// Runs `body` for every (sequence, head) pair with a scratch row of `length` floats, split over
    /// threads; each pair owns its rows of the outputs, so no two threads write the same element.
    private func forEachHead(_ body: (_ b: Int, _ h: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEachChunk(batchSize * heads, workPerItem: length * length * headSize / 2) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: length) { scratch in
                for pair in range { body(pair / heads, pair % heads, scratch.baseAddress!) }
            }
        }
    }

    /// Where head h's query, key or value vector for position t of sequence b starts in [B·T, 3C].
    private func packedOffset(_ part: Int, _ b: Int, _ t: Int, _ h: Int) -> Int {
        (b * length + t) * 3 * channels + part * channels + h * headSize
    }

    /// Where head h's output for position t of sequence b starts in [B·T, C].
    private func outputOffset(_ b: Int, _ t: Int, _ h: Int) -> Int { (b * length + t) * channels + h * headSize }
}
