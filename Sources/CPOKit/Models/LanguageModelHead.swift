/// The LM head of a training pass over B·T rows — a Linear from the final norm's output to the
/// vocabulary, its weight tied to the token embedding or not — and the cross-entropy of its logits:
/// what the forward and backward passes of every family do after the final norm.
///
/// The logits of a whole pass never exist at once: [rows, V] floats are 0.8 GB for 4096 rows of
/// GPT-2. Only the scored rows (target ≥ 0) go through the head — a masked row's nll is 0 and its
/// gradient nothing — in chunks of at most `chunkRows`, each chunk's logits in one scratch buffer
/// while its log-sum-exp and nll are taken. The backward pass computes a chunk's logits again, as
/// a sequence-level loss (CPO) knows its weights only after every candidate's forward pass; a loss
/// that knows them before (MLE) hands them to `forward`, which takes the head's gradient chunk by
/// chunk as it goes and leaves nothing for the backward pass to redo.
struct LanguageModelHead {
    /// What the head keeps of a pass over up to `capacity` rows, for the model's views and the
    /// backward pass; allocated once with the family's activations and reused from step to step.
    final class Activations {
        let channels: Int
        let vocabularySize: Int
        let chunkRows: Int
        /// The head's input, the final norm's output: the hidden states.
        let finalNorm: FloatBuffer
        let logSumExp: FloatBuffer
        let nll: FloatBuffer
        /// One chunk's hidden states side by side (when its rows are not consecutive), its logits
        /// (overwritten with their gradient), and the gradient of its hidden states.
        let chunkInput: FloatBuffer, chunkLogits: FloatBuffer, chunkGradient: FloatBuffer

        init(channels: Int, vocabularySize: Int, capacity rows: Int, chunkRows: Int) {
            precondition(chunkRows >= 1, "the LM head needs chunks of at least one row")
            (self.channels, self.vocabularySize, self.chunkRows) = (channels, vocabularySize, chunkRows)
            finalNorm = FloatBuffer(count: rows * channels)
            (logSumExp, nll) = (FloatBuffer(count: rows), FloatBuffer(count: rows))
            let chunk = min(rows, chunkRows)
            (chunkInput, chunkGradient) = (FloatBuffer(count: chunk * channels), FloatBuffer(count: chunk * channels))
            chunkLogits = FloatBuffer(count: chunk * vocabularySize)
        }
    }

    /// Where `forward` takes the head's gradient when the loss weights are known before the pass.
    struct Gradient {
        /// ∂L/∂nll per row, as the backward pass would be given them.
        let lossWeights: [Float]
        let dweight: UnsafeMutablePointer<Float>
        /// ∂L/∂finalNorm, [rows, C]: written for every row.
        let dNorm: UnsafeMutablePointer<Float>
    }

    /// Rows whose logits are held at once unless told otherwise: as many as fit 64 MiB (333 rows of
    /// GPT-2's 50257 tokens, 341 of a 49152-token Llama), so the head's products stay large enough
    /// for sgemm's full speed.
    static func defaultChunkRows(vocabularySize: Int) -> Int { max(1, (64 << 20) / (4 * vocabularySize)) }

    let rows: Int
    let channels: Int
    let vocabularySize: Int

    /// The nll of every row of `a.finalNorm` against `targets` by `weight` ([V, C]); with
    /// `gradient`, also the head's part of the backward pass for those loss weights.
    func forward(_ a: Activations, weight: UnsafePointer<Float>, targets: [Int32], gradient: Gradient? = nil) {
        a.nll.pointer.update(repeating: 0, count: rows)
        a.logSumExp.pointer.update(repeating: 0, count: rows)
        if let gradient { gradient.dNorm.update(repeating: 0, count: rows * channels) }
        for chunk in chunks(targets: targets, chunkRows: a.chunkRows) {
            let input = logits(a, rows: chunk, weight: weight)
            let chunkTargets = chunk.map { targets[$0] }
            var nll = [Float](repeating: 0, count: chunk.count), logSumExp = nll
            SoftmaxCrossEntropy(rows: chunk.count, classes: vocabularySize)
                .forward(nll: &nll, logSumExp: &logSumExp, logits: a.chunkLogits.pointer, targets: chunkTargets)
            for (i, row) in chunk.enumerated() { (a.nll.pointer[row], a.logSumExp.pointer[row]) = (nll[i], logSumExp[i]) }
            if let gradient {
                backward(a, chunk: chunk, input: input, weight: weight, dweight: gradient.dweight, dNorm: gradient.dNorm,
                         targets: chunkTargets, lossWeights: gradient.lossWeights)
            }
        }
    }

    /// Given `lossWeights` = ∂L/∂nll, adds the weight's gradient to `dweight` and writes
    /// ∂L/∂finalNorm into `dNorm`, computing each chunk's logits again.
    func backward(_ a: Activations, weight: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>, dNorm: UnsafeMutablePointer<Float>,
                  targets: [Int32], lossWeights: [Float]) {
        dNorm.update(repeating: 0, count: rows * channels)
        for chunk in chunks(targets: targets, chunkRows: a.chunkRows) {
            let input = logits(a, rows: chunk, weight: weight)
            backward(a, chunk: chunk, input: input, weight: weight, dweight: dweight, dNorm: dNorm,
                     targets: chunk.map { targets[$0] }, lossWeights: lossWeights)
        }
    }

    /// Calls `body` with the logits of each of `rows` (positions of the pass, any order), computed
    /// now from the hidden states, a chunk at a time; each buffer is valid during its call.
    func withLogits(_ a: Activations, weight: UnsafePointer<Float>, rows: [Int],
                    _ body: (_ index: Int, _ logits: UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        // Positions may repeat, so there can be more of them than the buffers' rows.
        let chunkRows = a.chunkLogits.count / vocabularySize
        for start in stride(from: 0, to: rows.count, by: chunkRows) {
            let chunk = Array(rows[start ..< min(start + chunkRows, rows.count)])
            _ = logits(a, rows: chunk, weight: weight)
            for i in chunk.indices {
                try body(start + i, UnsafeBufferPointer(start: a.chunkLogits.pointer + i * vocabularySize, count: vocabularySize))
            }
        }
    }

    /// The scored rows in order, cut into the fewest chunks of at most `chunkRows` and of sizes
    /// that differ by one at most: no small last chunk to run at a small product's speed.
    func chunks(targets: [Int32], chunkRows: Int) -> [[Int]] {
        let scored = targets.indices.filter { targets[$0] >= 0 }
        let count = (scored.count + chunkRows - 1) / chunkRows
        return (0 ..< count).map { Array(scored[scored.count * $0 / count ..< scored.count * ($0 + 1) / count]) }
    }

    /// Writes the logits of `rows` into `a.chunkLogits` and returns their hidden states, side by
    /// side: read in place when the rows are consecutive, copied into `a.chunkInput` otherwise.
    private func logits(_ a: Activations, rows chunk: [Int], weight: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let c = channels
        let input: UnsafePointer<Float>
        if let first = chunk.first, zip(chunk, chunk.dropFirst()).allSatisfy({ $1 == $0 + 1 }) {
            input = UnsafePointer(a.finalNorm.pointer + first * c)
        } else {
            let states = a.finalNorm.pointer, gathered = a.chunkInput.pointer
            Parallel.forEachChunk(chunk.count, workPerItem: c) { range in
                for i in range { (gathered + i * c).update(from: states + chunk[i] * c, count: c) }
            }
            input = UnsafePointer(gathered)
        }
        Linear(rows: chunk.count, inputs: c, outputs: vocabularySize, layout: .outputMajor)
            .forward(out: a.chunkLogits.pointer, inp: input, weight: weight, bias: nil)
        return input
    }

    /// The head's backward pass over one chunk whose logits are in `a.chunkLogits`.
    private func backward(_ a: Activations, chunk: [Int], input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          dweight: UnsafeMutablePointer<Float>, dNorm: UnsafeMutablePointer<Float>, targets: [Int32], lossWeights: [Float]) {
        let logSumExp = chunk.map { a.logSumExp.pointer[$0] }, weights = chunk.map { lossWeights[$0] }
        SoftmaxCrossEntropy(rows: chunk.count, classes: vocabularySize)
            .backward(logits: a.chunkLogits.pointer, logSumExp: logSumExp, targets: targets, weights: weights)
        Linear(rows: chunk.count, inputs: channels, outputs: vocabularySize, layout: .outputMajor)
            .backward(dinp: a.chunkGradient.pointer, dweight: dweight, dbias: nil, dout: a.chunkLogits.pointer, inp: input, weight: weight)
        let c = channels, gradient = a.chunkGradient.pointer
        for (i, row) in chunk.enumerated() { (dNorm + row * c).update(from: gradient + i * c, count: c) }
    }
}
