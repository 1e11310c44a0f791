import Foundation

/// Multi-head attention of new queries against a KV cache, for generation: each query belongs to
/// one cache row (a sequence) at one position and attends to that row's positions 0...position.
/// The cache holds keys and values as [rows, capacity, C].
///
/// A decode step attends once per token to the whole cache, so the kernel reads each cached key and
/// value once, vectorised across the head's channels, with one exponential per key.
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
        let channels = channels, capacity = capacity, headSize = headSize, heads = heads
        // Every key is stored before any query reads the cache: a prompt's queries read each other's keys.
        Parallel.forEachChunk(count, workPerItem: 2 * channels) { range in
            for i in range {
                let slot = (rows[i] * capacity + positions[i]) * channels
                (keys + slot).update(from: qkv + i * 3 * channels + channels, count: channels)
                (values + slot).update(from: qkv + i * 3 * channels + 2 * channels, count: channels)
            }
        }
        Parallel.forEachChunk(count * heads, workPerItem: capacity * headSize) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { scores in
                for pair in range {
                    let i = pair / heads, h = pair % heads
                    let start = rows[i] * capacity * channels + h * headSize
                    attend(qkv + i * 3 * channels + h * headSize, keys: keys + start, values: values + start, count: positions[i] + 1,
                           scores: scores.baseAddress!, out: out + i * channels + h * headSize)
                }
            }
        }
    }

    /// out = softmax(q · k[0..<count]ᵀ / √d) · v[0..<count] for one head, its keys and values
    /// `channels` floats apart.
    private func attend(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, count: Int,
                        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let d = headSize, stride = channels, width = VectorMath.width
        let scale = 1 / Float(d).squareRoot()
        for j in 0..<count {
            let k = keys + j * stride
            var products = Vector()
            var c = 0
            while c + width <= d { products.addProduct(VectorMath.load(q + c), VectorMath.load(k + c)); c += width }
            if c < d { products.addProduct(VectorMath.load(q + c, lanes: d - c), VectorMath.load(k + c, lanes: d - c)) }
            scores[j] = Self.sum(products) * scale
        }
        let maximum = VectorMath.maximum(scores, count)
        var totals = Vector()
        VectorMath.forEachBlock(count) { start, lanes in
            let e = VectorMath.exp(VectorMath.load(scores + start, lanes: lanes, fill: -.infinity) - Vector(repeating: maximum))
            VectorMath.store(e, scores + start, lanes: lanes)
            totals += e
        }
        let normalizer = 1 / Self.sum(totals)
        VectorMath.forEachBlock(d) { c, lanes in
            var weighted = Vector()
            for j in 0..<count { weighted.addProduct(Vector(repeating: scores[j]), VectorMath.load(values + j * stride + c, lanes: lanes)) }
            VectorMath.store(weighted * normalizer, out + c, lanes: lanes)
        }
    }

    /// The lanes added pairwise, halves first: a few vector adds rather than 16 dependent scalar ones.
    @inline(__always) private static func sum(_ v: Vector) -> Float {
        let eight = v.lowHalf + v.highHalf, four = eight.lowHalf + eight.highHalf, two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}
