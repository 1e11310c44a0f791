/// Generation with a KV cache for a batch of `rows` sequences: `prefill` runs the prompts, then each
/// `decode` appends one token per unfinished row and returns next-token logits. Every step is a
/// batch of matrix–matrix products over the rows it advances; finished rows cost nothing.
///
/// The cache holds keys and values of every layer: 2 · layers · rows · capacity · `cachedWidth`
/// floats. Decode steps read the weight matrices from a packed copy made when the decoder is
/// (`PanelWeights`, the size of the model), or, where that memory is worth more than the speed,
/// from the model's own weights: a packing decoder serves the weights the model had at its
/// creation. A new decoder can take over an old one's memory (`reusing:`), as fresh pages cost
/// more than the copy itself (0.5 GB of them took 0.3 s here).
///
/// The family runs a step up to its final norm (`KVCacheDecodable`); the decoder picks the rows
/// that get logits and runs the LM head on them.
final class KVCacheDecoder<Model: KVCacheDecodable>: TokenDecoder {
    let model: Model
    let rows: Int
    /// Most tokens a row can hold (prompt and generated), at most the model's `maxPositions`.
    let capacity: Int
    /// Tokens cached per row.
    private(set) var lengths: [Int]

    private let keys: [FloatBuffer]
    private let values: [FloatBuffer]
    private let logits: FloatBuffer
    private let panels: PanelWeights<Model.BlockPart>?
    /// Per-step buffers for the tokens being run, grown on demand.
    private var scratch: Scratch?

    private final class Scratch {
        let entries: Int
        let layers: Model.LayerActivations
        let finalNorm: FloatBuffer
        let selected: FloatBuffer
        let selectedLogits: FloatBuffer

        init(model: Model, entries: Int, rows: Int) {
            self.entries = entries
            layers = model.layerActivations(rows: entries)
            finalNorm = FloatBuffer(count: rows * model.config.hiddenSize)
            selected = FloatBuffer(count: rows * model.config.hiddenSize)
            selectedLogits = FloatBuffer(count: rows * model.config.vocabularySize)
        }
    }

    /// `previous`, a decoder of a model with the same config that is not used again, gives its
    /// buffers to this one where they are large enough; its packed weights are overwritten with
    /// `model`'s. The cache needs no clearing: a query reads only the positions its row has written.
    init(model: Model, rows: Int, capacity: Int? = nil, reusing previous: KVCacheDecoder? = nil, packsWeights: Bool = true) {
        let config = model.config
        let capacity = capacity ?? config.maxPositions
        precondition(rows >= 1 && (1...config.maxPositions).contains(capacity),
                     "a decoder needs rows ≥ 1 and 1 ≤ capacity ≤ \(Model.positionsField)")
        self.model = model
        self.rows = rows
        self.capacity = capacity
        lengths = Array(repeating: 0, count: rows)
        let previous = previous?.model.config == config ? previous : nil
        func buffer(_ count: Int, _ old: FloatBuffer?) -> FloatBuffer { old.flatMap { $0.count >= count ? $0 : nil } ?? FloatBuffer(count: count) }
        let cached = rows * capacity * model.cachedWidth
        keys = (0..<config.layers).map { buffer(cached, previous?.keys[$0]) }
        values = (0..<config.layers).map { buffer(cached, previous?.values[$0]) }
        logits = buffer(rows * config.vocabularySize, previous?.logits)
        panels = packsWeights ? model.packedWeights(reusing: previous?.panels) : nil
        scratch = previous.flatMap { $0.rows >= rows ? $0.scratch : nil }
    }

    /// Floats of the buffers a decoder allocates: the cache, the logits, a step's scratch (the
    /// prefill's, over every prompt token, is the largest) and the packed weights.
    static func bufferFloats(model: Model, rows: Int, capacity: Int, promptTokens: Int, packsWeights: Bool) -> Int {
        let config = model.config
        let cache = 2 * config.layers * rows * capacity * model.cachedWidth
        let packed = packsWeights ? Int(config.decodeStepWeights) : 0
        return cache + rows * config.vocabularySize + packed
            + FloatBufferCount.floats(in: Scratch(model: model, entries: max(promptTokens, rows), rows: rows))
    }

    func prefill(_ prompts: [[Int32]]) throws -> UnsafeBufferPointer<Float> {
        let entries = try DecodeEntries(prompts: prompts, rows: rows, capacity: capacity, vocabularySize: model.config.vocabularySize)
        lengths = Array(repeating: 0, count: rows)
        run(entries)
        return rowLogits
    }

    func decode(_ tokens: [Int32?]) throws -> UnsafeBufferPointer<Float> {
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
        let count = entries.tokens.count, c = model.config.hiddenSize, vocabulary = model.config.vocabularySize
        guard count > 0 else { return }
        if (scratch?.entries ?? 0) < count { scratch = Scratch(model: model, entries: count, rows: rows) }
        let s = scratch!
        let states = model.runLayers(entries, s.layers, panels: panels, keys: keys, values: values, capacity: capacity)
        entries.selectOutputs(states, width: c, into: s.selected.pointer)
        model.finalNorm(out: s.finalNorm.pointer, inp: s.selected.pointer, rows: entries.outputs.count, scratch: s.layers)
        // When every row gets logits, in row order, the head writes them in place; otherwise into
        // scratch, then into the rows that ran.
        let inPlace = entries.outputsFillInOrder(rows: rows)
        Linear(rows: entries.outputs.count, inputs: c, outputs: vocabulary, layout: .outputMajor)
            .forward(out: inPlace ? logits.pointer : s.selectedLogits.pointer, inp: s.finalNorm.pointer, weight: model.headWeight,
                     panels: panels?.head, bias: nil)
        if !inPlace { entries.scatterOutputs(s.selectedLogits.pointer, vocabularySize: vocabulary, into: logits.pointer) }
        entries.update(&lengths)
    }
}
