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
        let entries = try DecodeEntries(prompts: prompts, rows: rows, capacity: capacity, vocabularySize: model.config.vocabularySize)
        lengths = Array(repeating: 0, count: rows)
        run(entries)
        return rowLogits
    }

    /// Appends `tokens[row]` to each row whose token is not nil and returns next-token logits
    /// [rows, V]; rows given nil are skipped and keep their previous logits.
    public func decode(_ tokens: [Int32?]) throws -> UnsafeBufferPointer<Float> {
        run(try DecodeEntries(step: tokens, lengths: lengths, capacity: capacity, vocabularySize: model.config.vocabularySize))
        return rowLogits
    }

    /// The first `rows` rows of `logits`, which may be larger: a previous decoder's.
    private var rowLogits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: logits.pointer, count: rows * model.config.vocabularySize)
    }

    /// Runs the entries' tokens through the model, caching their keys and values, and writes the
    /// logits after their outputs into those rows of `logits`.
    private func run(_ entries: DecodeEntries) {
        let config = model.config, count = entries.tokens.count, c = config.channels, vocabulary = config.vocabularySize
        guard count > 0 else { return }
        if (scratch?.entries ?? 0) < count { scratch = Scratch(config: config, entries: count, rows: rows) }
        let s = scratch!, act = s.block, w = model.weights
        let block = GPT2Block(config: config, rows: count)
        let attention = CachedAttention(heads: config.heads, keyValueHeads: config.heads, headSize: config.headSize, capacity: capacity)

        let positions = entries.positions
        entries.tokens.withUnsafeBufferPointer {
            Embedding(rows: count, channels: c).forward(out: act.residualAfterMLP.pointer, tokens: $0.baseAddress!, tokenTable: w.tokenEmbedding,
                                                        positions: Embedding.Positions(table: w.positionEmbedding, position: { positions[$0] }))
        }
        entries.rows.withUnsafeBufferPointer { entryRows in
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
        entries.selectOutputs(act.residualAfterMLP.pointer, width: c, into: s.selected.pointer)
        LayerNorm(rows: entries.outputs.count, channels: c, epsilon: Float(config.layerNormEpsilon))
            .forward(out: s.finalNorm.pointer, mean: act.norm1Mean.pointer, rstd: act.norm1Rstd.pointer, inp: s.selected.pointer,
                     weight: w.finalNormWeight, bias: w.finalNormBias)
        // When every row gets logits, in row order, the head writes them in place; otherwise into
        // scratch, then into the rows that ran.
        let inPlace = entries.outputsFillInOrder(rows: rows)
        Linear(rows: entries.outputs.count, inputs: c, outputs: vocabulary, layout: .outputMajor)
            .forward(out: inPlace ? logits.pointer : s.selectedLogits.pointer, inp: s.finalNorm.pointer, weight: w.tokenEmbedding,
                     panels: panels.head, bias: nil)
        if !inPlace { entries.scatterOutputs(s.selectedLogits.pointer, vocabularySize: vocabulary, into: logits.pointer) }
        entries.update(&lengths)
    }
}
