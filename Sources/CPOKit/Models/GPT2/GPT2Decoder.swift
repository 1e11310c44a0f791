/// Generation with a KV cache for a batch of `rows` sequences: `prefill` runs the prompts, then each
/// `decode` appends one token per unfinished row and returns next-token logits. Every step is a
/// batch of matrix–matrix products over the rows it advances; finished rows cost nothing.
///
/// The cache holds keys and values of every layer: 2 · layers · rows · capacity · C floats. Decode
/// steps read the weight matrices from a packed copy made when the decoder is (`GPT2PanelWeights`,
/// the size of the model): a decoder serves the weights the model had at its creation. A new
/// decoder can take over an old one's memory (`reusing:`), as fresh pages cost more than the
/// copy itself (0.5 GB of them took 0.3 s here).
public final class GPT2Decoder: TokenDecoder {
    public let model: GPT2
    public let rows: Int
    /// Most tokens a row can hold (prompt and generated), at most `n_positions`.
    public let capacity: Int
    /// Tokens cached per row.
    public private(set) var lengths: [Int]

    private let keys: [FloatBuffer]
    private let values: [FloatBuffer]
    private let logits: FloatBuffer
    private let panels: GPT2PanelWeights
    /// Per-step buffers for the tokens being run, grown on demand.
    private var scratch: Scratch?

    private final class Scratch {
        let entries: Int
        /// Reused by every layer: the block's input is its previous output, `residualAfterMLP`.
        let block: GPT2Activations.Block
        let finalNorm: FloatBuffer
        let selected: FloatBuffer
        let selectedLogits: FloatBuffer

        init(config: GPT2Config, entries: Int, rows: Int) {
            self.entries = entries
            block = GPT2Activations.Block(config: config, rows: entries)
            finalNorm = FloatBuffer(count: rows * config.channels)
            selected = FloatBuffer(count: rows * config.channels)
            selectedLogits = FloatBuffer(count: rows * config.vocabularySize)
        }
    }

    /// `previous`, a decoder of a model with the same config that is not used again, gives its
    /// buffers to this one where they are large enough; its packed weights are overwritten with
    /// `model`'s. The cache needs no clearing: a query reads only the positions its row has written.
    public init(model: GPT2, rows: Int, capacity: Int? = nil, reusing previous: GPT2Decoder? = nil) {
        let config = model.config
        let capacity = capacity ?? config.maxPositions
        precondition(rows >= 1 && (1...config.maxPositions).contains(capacity), "a decoder needs rows ≥ 1 and 1 ≤ capacity ≤ n_positions")
        self.model = model
        self.rows = rows
        self.capacity = capacity
        lengths = Array(repeating: 0, count: rows)
        let previous = previous?.model.config == config ? previous : nil
        func buffer(_ count: Int, _ old: FloatBuffer?) -> FloatBuffer { old.flatMap { $0.count >= count ? $0 : nil } ?? FloatBuffer(count: count) }
        keys = (0..<config.layers).map { buffer(rows * capacity * config.channels, previous?.keys[$0]) }
        values = (0..<config.layers).map { buffer(rows * capacity * config.channels, previous?.values[$0]) }
        logits = buffer(rows * config.vocabularySize, previous?.logits)
        panels = GPT2PanelWeights(model: model, reusing: previous?.panels)
        scratch = previous.flatMap { $0.rows >= rows ? $0.scratch : nil }
    }

    /// Empties the cache, runs one non-empty prompt per row and returns each row's next-token
    /// logits, [rows, V], valid until the next call.
    public func prefill(_ prompts: [[Int32]]) throws -> UnsafeBufferPointer<Float> {
        guard prompts.count == rows else {
            throw ModelError.invalidBatch(input: "prompts", reason: "\(prompts.count) prompts for a decoder of \(rows) rows")
        }
        for (row, prompt) in prompts.enumerated() where !(1...capacity).contains(prompt.count) {
            throw ModelError.invalidBatch(input: "prompts[\(row)]", reason: "\(prompt.count) tokens; a prompt needs 1...\(capacity)")
        }
        for (row, prompt) in prompts.enumerated() { try checkVocabulary(prompt, row: row) }
        lengths = Array(repeating: 0, count: rows)
        let entryRows = prompts.indices.flatMap { row in Array(repeating: row, count: prompts[row].count) }
        let positions = prompts.flatMap { $0.indices }
        var end = 0
        let lastEntries = prompts.map { prompt -> Int in
            end += prompt.count
            return end - 1
        }
        run(tokens: prompts.flatMap { $0 }, entryRows: entryRows, positions: positions, outputs: lastEntries)
        return UnsafeBufferPointer(logits.buffer)
    }

    /// Appends `tokens[row]` to each row whose token is not nil and returns next-token logits
    /// [rows, V]; rows given nil are skipped and keep their previous logits.
    public func decode(_ tokens: [Int32?]) throws -> UnsafeBufferPointer<Float> {
        guard tokens.count == rows else {
            throw ModelError.invalidBatch(input: "tokens", reason: "\(tokens.count) tokens for a decoder of \(rows) rows")
        }
        let active = tokens.indices.filter { tokens[$0] != nil }
        if let full = active.first(where: { lengths[$0] == capacity }) {
            throw ModelError.invalidBatch(input: "tokens[\(full)]", reason: "the row's cache is full (\(capacity) tokens)")
        }
        for row in active { try checkVocabulary([tokens[row]!], row: row) }
        run(tokens: active.map { tokens[$0]! }, entryRows: active, positions: active.map { lengths[$0] }, outputs: Array(active.indices))
        return UnsafeBufferPointer(logits.buffer)
    }

    /// Runs `tokens` (token i at position positions[i] of cache row entryRows[i]) through the model,
    /// caching their keys and values, and writes the logits after the tokens listed in `outputs`
    /// into their rows of `logits`.
    private func run(tokens: [Int32], entryRows: [Int], positions: [Int], outputs: [Int]) {
        let config = model.config, count = tokens.count, c = config.channels, vocabulary = config.vocabularySize
        guard count > 0 else { return }
        if (scratch?.entries ?? 0) < count { scratch = Scratch(config: config, entries: count, rows: rows) }
        let s = scratch!, act = s.block, w = model.weights
        let block = GPT2Block(config: config, rows: count)
        let attention = CachedAttention(channels: c, heads: config.heads, capacity: capacity)

        tokens.withUnsafeBufferPointer {
            Embedding(rows: count, channels: c).forward(out: act.residualAfterMLP.pointer, tokens: $0.baseAddress!, position: { positions[$0] },
                                                        tokenTable: w.tokenEmbedding, positionTable: w.positionEmbedding)
        }
        entryRows.withUnsafeBufferPointer { entryRows in
            positions.withUnsafeBufferPointer { positions in
                for (layer, weights) in w.blocks.enumerated() {
                    // The block reads its input before it writes its output, so one buffer serves as both.
                    block.forward(weights, panels: panels.blocks[layer], act, input: act.residualAfterMLP.pointer) {
                        attention.forward(out: act.attention.pointer, qkv: act.qkv.pointer, count: count, rows: entryRows.baseAddress!,
                                          positions: positions.baseAddress!, keys: keys[layer].pointer, values: values[layer].pointer)
                    }
                }
            }
        }
        for (i, entry) in outputs.enumerated() {
            (s.selected.pointer + i * c).update(from: act.residualAfterMLP.pointer + entry * c, count: c)
        }
        LayerNorm(rows: outputs.count, channels: c, epsilon: Float(config.layerNormEpsilon))
            .forward(out: s.finalNorm.pointer, mean: act.norm1Mean.pointer, rstd: act.norm1Rstd.pointer, inp: s.selected.pointer,
                     weight: w.finalNormWeight, bias: w.finalNormBias)
        // When every row gets logits, in row order (a prefill, or a step with no row finished), the
        // head writes them in place; otherwise into scratch, then into the rows that ran.
        let inPlace = outputs.count == rows && outputs.indices.allSatisfy { entryRows[outputs[$0]] == $0 }
        Linear(rows: outputs.count, inputs: c, outputs: vocabulary, layout: .outputMajor)
            .forward(out: inPlace ? logits.pointer : s.selectedLogits.pointer, inp: s.finalNorm.pointer, weight: w.tokenEmbedding,
                     panels: panels.head, bias: nil)
        if !inPlace {
            for (i, entry) in outputs.enumerated() {
                (logits.pointer + entryRows[entry] * vocabulary).update(from: s.selectedLogits.pointer + i * vocabulary, count: vocabulary)
            }
        }
        for (entry, row) in entryRows.enumerated() { lengths[row] = max(lengths[row], positions[entry] + 1) }
    }

    private func checkVocabulary(_ tokens: [Int32], row: Int) throws {
        let vocabulary = model.config.vocabularySize
        if let token = tokens.first(where: { !(0..<Int32(vocabulary)).contains($0) }) {
            throw ModelError.invalidBatch(input: "tokens of row \(row)", reason: "id \(token) is outside the vocabulary 0..<\(vocabulary)")
        }
    }
}
