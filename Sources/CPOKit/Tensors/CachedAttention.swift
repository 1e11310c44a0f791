import Foundation

/// Multi-head attention of new queries against a KV cache, for generation: each query belongs to
/// one cache row (a sequence) at one position and attends to that row's positions 0...position
/// (or, with a `window` W, position − W + 1 ... position). Heads are laid out as in
/// `CausalAttention`: H query heads, grouped over Hkv key/value heads of size d; the cache holds
/// keys and values as [rows, capacity, Hkv·d].
///
/// A decode step attends once per token to the whole cache, which is read from memory: each query
/// walks its row's keys, then its values, position by position with all heads together, so both
/// are read once and in order, and takes one exponential per key and head.
struct CachedAttention {
    typealias Vector = VectorMath.Vector
    let heads: Int
    let keyValueHeads: Int
    let headSize: Int
    let capacity: Int
    /// Most positions a query attends to, itself included; nil: every earlier one.
    var window: Int? = nil

    /// Floats per cached position: the key (or value) heads side by side.
    private var cacheWidth: Int { keyValueHeads * headSize }

    /// For each of `count` queries: stores its key and value (from `qkv`, [count, (H + 2·Hkv)·d])
    /// in the cache at (rows[i], positions[i]), then writes its attention output to `out` ([count, H·d]).
    func forward(out: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>, count: Int,
                 rows: UnsafePointer<Int>, positions: UnsafePointer<Int>,
                 keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let width = cacheWidth, capacity = capacity, heads = heads, window = window
        let queryWidth = heads * headSize, rowWidth = queryWidth + 2 * width
        // Every key is stored before any query reads the cache: a prompt's queries read each other's keys.
        Parallel.forEachChunk(count, workPerItem: 2 * width) { range in
            for i in range {
                let slot = (rows[i] * capacity + positions[i]) * width
                (keys + slot).update(from: qkv + i * rowWidth + queryWidth, count: width)
                (values + slot).update(from: qkv + i * rowWidth + queryWidth + width, count: width)
            }
        }
        Parallel.forEachChunk(count, workPerItem: 4 * capacity * queryWidth) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: heads * capacity) { scores in
                for i in range {
                    let first = window.map { max(0, positions[i] - $0 + 1) } ?? 0
                    let start = (rows[i] * capacity + first) * width
                    attend(qkv + i * rowWidth, keys: keys + start, values: values + start, count: positions[i] + 1 - first,
                           scores: scores.baseAddress!, out: out + i * queryWidth)
                }
            }
        }
    }

    /// out[head h] = softmax(q_h · k_g[0..<count]ᵀ / √d) · v_g[0..<count] for every query head h
    /// and its key/value head g, with the row's keys and values [count, Hkv·d]. `scores` holds
    /// [heads, capacity] floats.
    private func attend(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, count: Int,
                        scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let d = headSize, width = cacheWidth, capacity = capacity, group = heads / keyValueHeads, lanes = VectorMath.width
        let scale = 1 / Float(d).squareRoot()
        for j in 0..<count {
            let k = keys + j * width
            for h in 0..<heads {
                let qh = q + h * d, kh = k + h / group * d
                var products = Vector()
                var c = 0
                while c + lanes <= d { products.addProduct(VectorMath.load(qh + c), VectorMath.load(kh + c)); c += lanes }
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
        out.update(repeating: 0, count: heads * d)
        for j in 0..<count {
            let v = values + j * width
            for h in 0..<heads {
                let weight = Vector(repeating: scores[h * capacity + j]), vh = v + h / group * d
                VectorMath.forEachBlock(d) { c, lanes in
                    var o = VectorMath.load(out + h * d + c, lanes: lanes)
                    o.addProduct(weight, VectorMath.load(vh + c, lanes: lanes))
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
