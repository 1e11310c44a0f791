import Foundation

/// Multi-head attention of new queries against a KV cache, for generation: each query belongs to
/// one cache row (a sequence) at one position and attends to that row's positions 0...position.
/// The cache holds keys and values as [rows, capacity, C].
///
/// A decode step attends once per token to the whole cache, which is read from memory: each query
/// walks its row's keys, then its values, position by position with all heads together, so both
/// are read once and in order, and takes one exponential per key and head.
struct CachedAttention {
    typealias Vector = VectorMath.Vector
    let channels: Int
    let heads: Int
    let capacity: Int

    private var headSize: Int { channels / heads }

    /// For each of `count` queries: stores its key and value (from `qkv`, [count, 3C]) in the cache
    /// at (rows[i], positions[i]), then writes its attention output to `out` ([count, C]).
    func forward(out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, count: Int,
                 rows: UnsafePointer<Int>, positions: UnsafePointer<Int>,
                 keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let channels = channels, capacity = capacity, heads = heads
        // Every key is stored before any query reads the cache: a prompt's queries read each other's keys.
        Parallel.forEachChunk(count, workPerItem: 2 * channels) { range in
            for i in range {
                let slot = (rows[i] * capacity + positions[i]) * channels
                (keys + slot).update(from: qkv + i * 3 * channels + channels, count: channels)
                (values + slot).update(from: qkv + i * 3 * channels + 2 * channels, count: channels)
            }
        }
        Parallel.forEachChunk(count, workPerItem: 4 * capacity * channels) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * capacity) { scores in
                for i in range {
                    let start = rows[i] * capacity * channels
                    attend(qkv + i * 3 * channels, keys: keys + start, values: values + start, count: positions[i] + 1,
                           scores: scores.baseAddress!, out: out + i * channels)
                }
            }
        }
    }

    /// out[head h] = softmax(q_h · k_h[0..<count]ᵀ / √d) · v_h[0..<count] for every head, with the
    /// row's keys and values [count, C]. `scores` holds [heads, capacity] floats.
    private func attend(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, count: Int,
                        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let d = headSize, channels = channels, capacity = capacity, width = VectorMath.width
        let scale = 1 / Float(d).squareRoot()
        for j in 0..<count {
            let k = keys + j * channels
            for h in 0..<heads {
                let qh = q + h * d, kh = k + h * d
                var products = Vector()
                var c = 0
                while c + width <= d { products.addProduct(VectorMath.load(qh + c), VectorMath.load(kh + c)); c += width }
                if c < d { products.addProduct(VectorMath.load(qh + c, lanes: d - c), VectorMath.load(kh + c, lanes: d - c)) }
                scores[h * capacity + j] = Self.sum(products) * scale
            }
        }
        for h in 0..<heads {
            let p = scores + h * capacity
            let maximum = VectorMath.maximum(p, count)
            var totals = Vector()
            VectorMath.forEachBlock(count) { start, lanes in
                let e = VectorMath.exp(VectorMath.load(p + start, lanes: lanes, fill: -.infinity) - Vector(repeating: maximum))
                VectorMath.store(e, p + start, lanes: lanes)
                totals += e
            }
            let normalizer = Vector(repeating: 1 / Self.sum(totals))
            VectorMath.forEachBlock(count) { start, lanes in
                VectorMath.store(VectorMath.load(p + start, lanes: lanes) * normalizer, p + start, lanes: lanes)
            }
        }
        out.update(repeating: 0, count: channels)
        for j in 0..<count {
            let v = values + j * channels
            for h in 0..<heads {
                let weight = Vector(repeating: scores[h * capacity + j])
                VectorMath.forEachBlock(d) { c, lanes in
                    var o = VectorMath.load(out + h * d + c, lanes: lanes)
                    o.addProduct(weight, VectorMath.load(v + h * d + c, lanes: lanes))
                    VectorMath.store(o, out + h * d + c, lanes: lanes)
                }
            }
        }
    }

    /// The lanes added pairwise, halves first: a few vector adds rather than 16 dependent scalar ones.
    @inline(__always) private static func sum(_ v: Vector) -> Float {
        let eight = v.lowHalf + v.highHalf, four = eight.lowHalf + eight.highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}
