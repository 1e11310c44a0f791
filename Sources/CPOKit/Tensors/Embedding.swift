/// The input of a transformer for `rows` rows: the token's row of the embedding table, plus a
/// learned position embedding where the model has one (GPT-2; Llama's positions enter through
/// rotary embeddings instead).
struct Embedding {
    /// A learned position embedding table and where each row reads it.
    struct Positions {
        let table: UnsafeMutablePointer<Float>
        let position: (Int) -> Int
    }

    let rows: Int
    let channels: Int

    /// out[r] = tokenTable[tokens[r]] (+ positions.table[positions.position(r)])
    func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, tokenTable: UnsafePointer<Float>, positions: Positions?) {
        let channels = channels
        Parallel.forEachChunk(rows, workPerItem: channels) { range in
            for row in range {
                let o = out + row * channels, token = tokenTable + Int(tokens[row]) * channels
                guard let positions else { o.update(from: token, count: channels); continue }
                let place = positions.table + positions.position(row) * channels
                for c in 0..<channels { o[c] = token[c] + place[c] }
            }
        }
    }

    /// Adds `dout` into the rows of the tables that the forward pass read (`positions` holding the
    /// position table's gradient). Split by channels, each summed over rows in order, so repeated
    /// tokens add up the same way for any thread count. Rows of `paddingToken` add nothing to the
    /// token table, as in PyTorch's `nn.Embedding(padding_idx:)`.
    func backward(dTokenTable: UnsafeMutablePointer<Float>, positions: Positions?, dout: UnsafePointer<Float>,
                  tokens: UnsafePointer<Int32>, paddingToken: Int32? = nil) {
        let channels = channels, rows = rows
        Parallel.forEachChunk(channels, workPerItem: rows) { range in
            for row in 0..<rows {
                let d = dout + row * channels
                if tokens[row] != paddingToken {
                    let token = dTokenTable + Int(tokens[row]) * channels
                    for c in range { token[c] += d[c] }
                }
                if let positions {
                    let place = positions.table + positions.position(row) * channels
                    for c in range { place[c] += d[c] }
                }
            }
        }
    }
}
