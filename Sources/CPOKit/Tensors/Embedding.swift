/// The input of a transformer: token embedding plus learned position embedding, for `rows` rows
/// whose positions come from `position(row)`.
struct Embedding {
    let rows: Int
    let channels: Int

    /// out[r] = tokenTable[tokens[r]] + positionTable[position(r)]
    func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, position: (Int) -> Int,
                 tokenTable: UnsafePointer<Float>, positionTable: UnsafePointer<Float>) {
        let channels = channels
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let o = out + row * channels
                let token = tokenTable + Int(tokens[row]) * channels, place = positionTable + position(row) * channels
                for c in 0..<channels { o[c] = token[c] + place[c] }
            }
        }
    }

    /// Adds `dout` into the rows of the tables that the forward pass read. Split by channels, each
    /// summed over rows in order, so repeated tokens add up the same way for any thread count.
    func backward(dTokenTable: UnsafeMutablePointer<Float>, dPositionTable: UnsafeMutablePointer<Float>,
                  dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, position: (Int) -> Int) {
        let channels = channels, rows = rows
        Parallel.forEachChunk(channels, workPerItem: rows) { range in
            for row in 0..<rows {
                let d = dout + row * channels
                let token = dTokenTable + Int(tokens[row]) * channels, place = dPositionTable + position(row) * channels
                for c in range {
                    token[c] += d[c]
                    place[c] += d[c]
                }
            }
        }
    }
}
