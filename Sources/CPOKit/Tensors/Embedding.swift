/// The input of a transformer: token embedding plus learned position embedding.
struct Embedding {
    let batchSize: Int
    let length: Int
    let channels: Int

    /// out[b, t] = tokenTable[tokens[b, t]] + positionTable[t]
    func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                 tokenTable: UnsafePointer<Float>, positionTable: UnsafePointer<Float>) {
        let channels = channels, length = length
        Parallel.forEachChunk(batchSize * length, workPerItem: channels) { range in
            for row in range {
                let o = out + row * channels
                let token = tokenTable + Int(tokens[row]) * channels, position = positionTable + (row % length) * channels
                for c in 0..<channels { o[c] = token[c] + position[c] }
            }
        }
    }

    /// Adds `dout` into the rows of the tables that the forward pass read. Split by channels, each
    /// summed over positions in order, so repeated tokens add up the same way for any thread count.
    func backward(dTokenTable: UnsafeMutablePointer<Float>, dPositionTable: UnsafeMutablePointer<Float>,
                  dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>) {
        let channels = channels, length = length, rows = batchSize * length
        Parallel.forEachChunk(channels, workPerItem: rows) { range in
            for row in 0..<rows {
                let d = dout + row * channels
                let token = dTokenTable + Int(tokens[row]) * channels, position = dPositionTable + (row % length) * channels
                for c in range {
                    token[c] += d[c]
                    position[c] += d[c]
                }
            }
        }
    }
}
