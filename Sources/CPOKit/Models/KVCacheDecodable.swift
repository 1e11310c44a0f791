/// A model family's part of `KVCacheDecoder`: what a decode step runs before the LM head — the
/// embedding, the layers (which write their keys and values into the cache) and the final norm —
/// and the buffers and packed weights that needs. The decoder does the rest, the same for every family.
protocol KVCacheDecodable: LanguageModel {
    /// Keys of the block matrices in the packed weights.
    associatedtype BlockPart: Hashable
    /// The buffers of one layer over a step's tokens; every layer reuses them.
    associatedtype LayerActivations

    /// The config.json field of `maxPositions`, which bounds a decoder's capacity.
    static var positionsField: String { get }
    /// Floats one token's keys (and as many its values) take in one layer's cache.
    var cachedWidth: Int { get }
    /// The LM head's weight, [V, hiddenSize] output-major.
    var headWeight: UnsafePointer<Float> { get }

    /// The weights packed for decode steps, into `previous`'s memory when given (a copy of a model
    /// with the same config, not used again).
    func packedWeights(reusing previous: PanelWeights<BlockPart>?) -> PanelWeights<BlockPart>
    func layerActivations(rows: Int) -> LayerActivations
    /// Runs the tokens of `entries` through the embedding and the layers, writing their keys and
    /// values into the cache of each layer (`keys[layer]`, `values[layer]`: [rows, capacity,
    /// cachedWidth]), and returns the last layer's output, [tokens, hiddenSize], inside `act`.
    /// Without `panels` the matrices are read from the model's weights.
    func runLayers(_ entries: DecodeEntries, _ act: LayerActivations, panels: PanelWeights<BlockPart>?, keys: [FloatBuffer],
                   values: [FloatBuffer], capacity: Int) -> UnsafePointer<Float>
    /// The final norm of `rows` rows of `inp` into `out`; its statistics go to `act`, which the
    /// layers are done with.
    func finalNorm(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int, scratch act: LayerActivations)
}
