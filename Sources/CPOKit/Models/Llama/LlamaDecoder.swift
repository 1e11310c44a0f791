/// Generation with a KV cache for a batch of `rows` sequences of a Llama-family model: `prefill`
/// runs the prompts, then each `decode` appends one token per unfinished row and returns
/// next-token logits. Every step is a batch of matrix–matrix products over the rows it advances;
/// finished rows cost nothing.
///
/// The cache holds every layer's keys — after the rotary embedding, turned by each token's own
/// position — and values: 2 · layers · rows · capacity · Hkv · d floats. A sliding window only
/// limits which cached positions a query reads. Decode steps read the weight matrices from a
/// packed copy made when the decoder is (`LlamaPanelWeights`, the size of the model): a decoder
/// serves the weights the model had at its creation. A new decoder can take over an old one's
/// memory (`reusing:`), as fresh pages cost more than the copy itself.
public final class LlamaDecoder: TokenDecoder {
    public let model: Llama
    public let rows: Int
    /// Most tokens a row can hold (prompt and generated), at most `max_position_embeddings`.
    public let capacity: Int
    /// Tokens cached per row.
    public private(set) var lengths: [Int]

    private let keys: [FloatBuffer]
    private let values: [FloatBuffer]
    private let logits: FloatBuffer
    private let panels: LlamaPanelWeights
    /// Per-step buffers for the tokens being run, grown on demand.
    private var scratch: Scratch?

    private final class Scratch {
        let entries: Int
        /// Reused by every layer: the layer's input is its previous output, `residualAfterMLP`.
        let block: LlamaActivations.Block
        let finalNorm: FloatBuffer
        let selected: FloatBuffer
        let selectedLogits: FloatBuffer

        init(config: LlamaConfig, entries: Int, rows: Int) {
            self.entries = entries
            block = LlamaActivations.Block(config: config, rows: entries)
            finalNorm = FloatBuffer(count: rows * config.hiddenSize)
            selected = FloatBuffer(count: rows * config.hiddenSize)
            selectedLogits = FloatBuffer(count: rows * config.vocabularySize)
        }
    }

    /// `previous`, a decoder of a model with the same config that is not used again, gives its
    /// buffers to this one where they are large enough; its packed weights are overwritten with
    /// `model`'s. The cache needs no clearing: a query reads only the positions its row has written.
    public init(model: Llama, rows: Int, capacity: Int? = nil, reusing previous: LlamaDecoder? = nil) {
        let config = model.config
        let capacity = capacity ?? config.maxPositions
        precondition(rows >= 1 && (1...config.maxPositions).contains(capacity),
                     "a decoder needs rows ≥ 1 and 1 ≤ capacity ≤ max_position_embeddings")
        self.model = model
        self.rows = rows
        self.capacity = capacity
        lengths = Array(repeating: 0, count: rows)
        let previous = previous?.model.config == config ? previous : nil
        func buffer(_ count: Int, _ old: FloatBuffer?) -> FloatBuffer { old.flatMap { $0.count >= count ? $0 : nil } ?? FloatBuffer(count: count) }
        let cached = rows * capacity * config.keyValueHeads * config.headSize
        keys = (0..<config.layers).map { buffer(cached, previous?.keys[$0]) }
        values = (0..<config.layers).map { buffer(cached, previous?.values[$0]) }
        logits = buffer(rows * config.vocabularySize, previous?.logits)
        panels = LlamaPanelWeights(model: model, reusing: previous?.panels)
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
        let config = model.config, count = entries.tokens.count, c = config.hiddenSize, vocabulary = config.vocabularySize
        guard count > 0 else { return }
        if (scratch?.entries ?? 0) < count { scratch = Scratch(config: config, entries: count, rows: rows) }
        let s = scratch!, act = s.block, w = model.weights
        let block = LlamaBlock(config: config, rows: count)
        let attention = config.attentionWindows.map {
            CachedAttention(heads: config.heads, keyValueHeads: config.keyValueHeads, headSize: config.headSize, capacity: capacity, window: $0)
        }

        entries.tokens.withUnsafeBufferPointer {
            Embedding(rows: count, channels: c).forward(out: act.residualAfterMLP.pointer, tokens: $0.baseAddress!, tokenTable: w.embedding,
                                                        positions: nil)
        }
        entries.rows.withUnsafeBufferPointer { entryRows in
            entries.positions.withUnsafeBufferPointer { positions in
                for (layer, weights) in w.blocks.enumerated() {
                    // The layer reads its input before it writes its output, so one buffer serves as both.
                    block.forward(weights, panels: panels.blocks[layer], act, input: act.residualAfterMLP.pointer,
                                  rotaryTable: model.rotaryTable.pointer, position: { positions[$0] }) {
                        attention[layer].forward(out: act.attention.pointer, qkv: act.qkv.pointer, count: count, rows: entryRows.baseAddress!,
                                                 positions: positions.baseAddress!, keys: keys[layer].pointer, values: values[layer].pointer)
                    }
                }
            }
        }
        entries.selectOutputs(act.residualAfterMLP.pointer, width: c, into: s.selected.pointer)
        RMSNorm(rows: entries.outputs.count, channels: c, epsilon: Float(config.rmsNormEpsilon))
            .forward(out: s.finalNorm.pointer, rstd: act.norm1Rstd.pointer, inp: s.selected.pointer, weight: w.finalNorm)
        // When every row gets logits, in row order, the head writes them in place; otherwise into
        // scratch, then into the rows that ran.
        let inPlace = entries.outputsFillInOrder(rows: rows)
        Linear(rows: entries.outputs.count, inputs: c, outputs: vocabulary, layout: .outputMajor)
            .forward(out: inPlace ? logits.pointer : s.selectedLogits.pointer, inp: s.finalNorm.pointer, weight: w.head,
                     panels: panels.head, bias: nil)
        if !inPlace { entries.scatterOutputs(s.selectedLogits.pointer, vocabularySize: vocabulary, into: logits.pointer) }
        entries.update(&lengths)
    }
}
