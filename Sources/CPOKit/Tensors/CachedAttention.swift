/// Multi-head attention of new queries against a KV cache, for generation: each query belongs to
/// one cache row (a sequence) at one position and attends to that row's positions 0...position.
/// The cache holds keys and values as [rows, capacity, C].
struct CachedAttention {
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
            withUnsafeTemporaryAllocation(of: Float.self, capacity: capacity) { scratch in
                for pair in range {
                    let i = pair / heads, h = pair % heads
                    let start = rows[i] * capacity * channels + h * headSize
                    let cached = AttentionRow(keys: keys + start, values: values + start, stride: channels, headSize: headSize,
                                              probabilities: scratch.baseAddress!)
                    _ = cached.attend(qkv + i * 3 * channels + h * headSize, count: positions[i] + 1,
                                      out: out + i * channels + h * headSize)
                }
            }
        }
    }
}
