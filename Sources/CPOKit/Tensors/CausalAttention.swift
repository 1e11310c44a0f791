import Foundation

/// Causal multi-head self-attention, softmax(q·kᵀ / √d) · v per query head, over q, k, v packed in
/// one [B·T, (H + 2·Hkv)·d] tensor: all H query heads, then the Hkv key heads, then the Hkv value
/// heads, head h at columns h·d..<(h+1)·d of its part. With grouped keys and values (Hkv < H),
/// query head h reads key/value head h / (H / Hkv), as Hugging Face's `repeat_kv` lays them out;
/// GPT-2 is Hkv = H, d = C / H.
///
/// With a `window` W, position t attends to positions t − W + 1 ... t only (Mistral's and Qwen2's
/// sliding window); without one, to all of 0...t.
///
/// Only each row's log-sum-exp is kept from the forward pass; the backward pass recomputes the
/// probabilities, so memory grows with B·H·T rather than B·H·T².
struct CausalAttention {
    let batchSize: Int
    let length: Int
    let heads: Int
    let keyValueHeads: Int
    let headSize: Int
    /// Most positions a query attends to, itself included; nil: every earlier one.
    var window: Int? = nil

    /// Query heads per key/value head.
    private var group: Int { heads / keyValueHeads }
    private var rowWidth: Int { (heads + 2 * keyValueHeads) * headSize }

    /// out: [B·T, H·d], the heads side by side; logSumExp: [B, H, T].
    func forward(out: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>) {
        forEachSequenceAndHead(heads, work: 1) { b, h, scratch in
            let kv = h / group
            let keys = AttentionRow(keys: qkv + keyOffset(b, 0, kv), values: qkv + valueOffset(b, 0, kv),
                                    stride: rowWidth, headSize: headSize, probabilities: scratch)
            for t in 0..<length {
                let first = firstKey(t)
                logSumExp[(b * heads + h) * length + t] = keys.from(first).attend(qkv + queryOffset(b, t, h), count: t + 1 - first,
                                                                                  out: out + outputOffset(b, t, h))
            }
        }
    }

    /// Overwrites `dqkv` with the gradients of q, k and v. Each key/value head's gradient sums over
    /// the query heads of its group, one head after the other.
    func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                  out: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>) {
        let headSize = headSize
        forEachSequenceAndHead(keyValueHeads, work: group) { b, kv, p in
            for t in 0..<length {
                (dqkv + keyOffset(b, t, kv)).update(repeating: 0, count: headSize)
                (dqkv + valueOffset(b, t, kv)).update(repeating: 0, count: headSize)
            }
            let keys = AttentionRow(keys: qkv + keyOffset(b, 0, kv), values: qkv + valueOffset(b, 0, kv),
                                    stride: rowWidth, headSize: headSize, probabilities: p)
            for h in kv * group ..< (kv + 1) * group {
                for t in 0..<length { (dqkv + queryOffset(b, t, h)).update(repeating: 0, count: headSize) }
                for t in 0..<length {
                    let q = qkv + queryOffset(b, t, h), dq = dqkv + queryOffset(b, t, h)
                    let first = firstKey(t), seen = keys.from(first)
                    _ = seen.score(q, count: t + 1 - first)
                    seen.normalise(count: t + 1 - first, logSumExp: logSumExp[(b * heads + h) * length + t])
                    let d = dout + outputOffset(b, t, h)
                    // Σ_j p_j · (dout · v_j) equals dout · out, so the softmax backward needs no extra pass.
                    let dOutDotOut = VectorMath.dot(d, out + outputOffset(b, t, h), headSize)
                    for t2 in first...t {
                        let k = keyOffset(b, t2, kv), v = valueOffset(b, t2, kv)
                        let dScore = p[t2 - first] * (VectorMath.dot(d, qkv + v, headSize) - dOutDotOut) * keys.scale
                        VectorMath.addScaled(p[t2 - first], d, to: dqkv + v, headSize)
                        VectorMath.addScaled(dScore, qkv + k, to: dq, headSize)
                        VectorMath.addScaled(dScore, q, to: dqkv + k, headSize)
                    }
                }
            }
        }
    }

    /// Runs `body` for every (sequence, head) pair of `count` heads per sequence with a scratch row
    /// of `length` floats, split over threads; each pair owns its rows of the outputs, so no two
    /// threads write the same element. `work` scales the estimate of a pair's work.
    private func forEachSequenceAndHead(_ count: Int, work: Int, _ body: (_ b: Int, _ h: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEachChunk(batchSize * count, workPerItem: work * length * (window.map { min($0, length) } ?? length) * headSize / 2) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: length) { scratch in
                for pair in range { body(pair / count, pair % count, scratch.baseAddress!) }
            }
        }
    }

    /// The first position that position t attends to.
    private func firstKey(_ t: Int) -> Int { window.map { max(0, t - $0 + 1) } ?? 0 }

    /// Where query head h, or key or value head kv, for position t of sequence b starts in the packed [B·T, (H + 2·Hkv)·d].
    private func queryOffset(_ b: Int, _ t: Int, _ h: Int) -> Int { (b * length + t) * rowWidth + h * headSize }
    private func keyOffset(_ b: Int, _ t: Int, _ kv: Int) -> Int { (b * length + t) * rowWidth + (heads + kv) * headSize }
    private func valueOffset(_ b: Int, _ t: Int, _ kv: Int) -> Int { (b * length + t) * rowWidth + (heads + keyValueHeads + kv) * headSize }

    /// Where head h's output for position t of sequence b starts in [B·T, H·d].
    private func outputOffset(_ b: Int, _ t: Int, _ h: Int) -> Int { (b * length + t) * heads * headSize + h * headSize }
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

    /// The same keys and values from position `first` on.
    func from(_ first: Int) -> AttentionRow {
        AttentionRow(keys: keys + first * stride, values: values + first * stride, stride: stride, headSize: headSize,
                     probabilities: probabilities)
    }

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
