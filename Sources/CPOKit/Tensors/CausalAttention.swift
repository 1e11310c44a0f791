import Foundation

/// Causal multi-head self-attention, softmax(q·kᵀ / √d) · v per head, over q, k, v packed in one
/// [B·T, 3C] tensor (all query heads, then all key heads, then all value heads; head h at columns
/// h·d..<(h+1)·d of each part).
///
/// Only each row's log-sum-exp is kept from the forward pass; the backward pass recomputes the
/// probabilities, so memory grows with B·H·T rather than B·H·T².
struct CausalAttention {
    let batchSize: Int
    let length: Int
    let channels: Int
    let heads: Int

    private var headSize: Int { channels / heads }
    private static let query = 0, key = 1, value = 2

    /// out: [B·T, C], the heads side by side; logSumExp: [B, H, T].
    func forward(out: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>) {
        forEachHead { b, h, scratch in
            let keys = AttentionRow(keys: qkv + packedOffset(Self.key, b, 0, h), values: qkv + packedOffset(Self.value, b, 0, h),
                                    stride: 3 * channels, headSize: headSize, probabilities: scratch)
            for t in 0..<length {
                logSumExp[(b * heads + h) * length + t] = keys.attend(qkv + packedOffset(Self.query, b, t, h), count: t + 1,
                                                                      out: out + outputOffset(b, t, h))
            }
        }
    }

    /// Overwrites `dqkv` with the gradients of q, k and v.
    func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                  out: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>) {
        let headSize = headSize
        forEachHead { b, h, p in
            for t in 0..<length {
                for part in Self.query...Self.value { (dqkv + packedOffset(part, b, t, h)).update(repeating: 0, count: headSize) }
            }
            let keys = AttentionRow(keys: qkv + packedOffset(Self.key, b, 0, h), values: qkv + packedOffset(Self.value, b, 0, h),
                                    stride: 3 * channels, headSize: headSize, probabilities: p)
            for t in 0..<length {
                let q = qkv + packedOffset(Self.query, b, t, h), dq = dqkv + packedOffset(Self.query, b, t, h)
                _ = keys.score(q, count: t + 1)
                keys.normalise(count: t + 1, logSumExp: logSumExp[(b * heads + h) * length + t])
                let d = dout + outputOffset(b, t, h)
                // Σ_j p_j · (dout · v_j) equals dout · out, so the softmax backward needs no extra pass.
                let dOutDotOut = VectorMath.dot(d, out + outputOffset(b, t, h), headSize)
                for t2 in 0...t {
                    let k = packedOffset(Self.key, b, t2, h), v = packedOffset(Self.value, b, t2, h)
                    let dScore = p[t2] * (VectorMath.dot(d, qkv + v, headSize) - dOutDotOut) * keys.scale
                    VectorMath.addScaled(p[t2], d, to: dqkv + v, headSize)
                    VectorMath.addScaled(dScore, qkv + k, to: dq, headSize)
                    VectorMath.addScaled(dScore, q, to: dqkv + k, headSize)
                }
            }
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

/// One head's keys and values for one sequence, `stride` floats apart (inside packed q, k, v during
/// training, inside a KV cache during generation), and the arithmetic of one query against them.
struct AttentionRow {
    typealias Vector = VectorMath.Vector
    let keys: UnsafePointer<Float>
    let values: UnsafePointer<Float>
    let stride: Int
    let headSize: Int
    /// Scratch for one row of scores, then probabilities.
    let probabilities: UnsafeMutablePointer<Float>

    var scale: Float { 1 / Float(headSize).squareRoot() }

    /// out = softmax(q · k[0..<count]ᵀ · scale) · v[0..<count]; returns the log-sum-exp of the scores.
    func attend(_ q: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<Float>) -> Float {
        let logSumExp = score(q, count: count)
        normalise(count: count, logSumExp: logSumExp)
        out.update(repeating: 0, count: headSize)
        for j in 0..<count { VectorMath.addScaled(probabilities[j], values + j * stride, to: out, headSize) }
        return logSumExp
    }

    /// Writes the scaled scores of `q` against keys 0..<count into `probabilities` and returns
    /// their log-sum-exp.
    func score(_ q: UnsafePointer<Float>, count: Int) -> Float {
        let scale = scale
        for j in 0..<count { probabilities[j] = VectorMath.dot(q, keys + j * stride, headSize) * scale }
        let maximum = VectorMath.maximum(probabilities, count)
        return maximum + Foundation.log(VectorMath.sumOfExponentials(probabilities, count, shift: maximum))
    }

    /// Turns the scores into probabilities.
    func normalise(count: Int, logSumExp: Float) {
        let p = probabilities
        VectorMath.forEachBlock(count) { start, lanes in
            let scores = VectorMath.load(p + start, lanes: lanes)
            VectorMath.store(VectorMath.exp(scores - Vector(repeating: logSumExp)), p + start, lanes: lanes)
        }
    }
}
