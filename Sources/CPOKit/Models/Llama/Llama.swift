/// A Llama-family language model — Hugging Face `LlamaForCausalLM`, `Qwen2ForCausalLM` and
/// `MistralForCausalLM` arithmetic in fp32: RMSNorm, rotary embeddings, grouped-query attention
/// (with a sliding window where the config has one), a SwiGLU MLP, optional biases, a tied or
/// separate LM head — whose parameters and gradients each live in one flat buffer under the
/// Hugging Face tensor names.
public final class Llama {
    public let config: LlamaConfig
    /// Names, shapes and offsets of the parameters, shared by the gradients and the optimizer moments.
    public let layout: TensorLayout
    public let parameters: FloatBuffer
    /// Allocated on first use, so a frozen reference model never holds one; mapped from the kernel,
    /// so ZeRO stage 2 can hand back the pages outside its shard.
    public private(set) lazy var gradients = FloatBuffer(count: layout.totalCount, pageBacked: true)

    let weights: LlamaTensors
    private(set) lazy var weightGradients = LlamaTensors(layout: layout, config: config, buffer: gradients)
    /// cos and sin of every position's rotary angles (`RotaryEmbedding.table`), [maxPositions, d].
    let rotaryTable: FloatBuffer
    var activations: LlamaActivations?
    public var recomputation = ActivationRecomputation.none
    public lazy var logitChunkRows = LanguageModelHead.defaultChunkRows(vocabularySize: config.vocabularySize)
    var pass: ForwardPass?
    /// The config.json field of `maxPositions`, which errors and preconditions name.
    static let positionsField = "max_position_embeddings"

    /// A model over `parameters` (laid out by `LlamaTensors.layout`), by default zeros to be filled.
    init(zeroed config: LlamaConfig, parameters: FloatBuffer? = nil) {
        self.config = config
        let layout = LlamaTensors.layout(config)
        self.layout = layout
        precondition(parameters.map { $0.count == layout.totalCount } ?? true, "the parameters do not fit the config")
        self.parameters = parameters ?? FloatBuffer(count: layout.totalCount)
        weights = LlamaTensors(layout: layout, config: config, buffer: self.parameters)
        let frequencies = RotaryEmbedding.inverseFrequencies(headSize: config.headSize, base: config.ropeTheta, scaling: config.ropeScaling)
        rotaryTable = RotaryEmbedding.table(inverseFrequencies: frequencies, positions: config.maxPositions)
    }

    /// A freshly initialised model as Hugging Face initialises one: N(0, initializer_range) for
    /// the embedding and every projection, zero biases, unit norm gains, and a zero embedding row
    /// for `pad_token_id`. The same seed gives the same model whatever the thread count.
    public convenience init(config: LlamaConfig, seed: UInt64) {
        self.init(zeroed: config)
        ParameterTensor.initialize(LlamaTensors.descriptions(config), layout: layout, in: parameters, seed: seed)
        if let padding = config.paddingTokenID {
            (weights.embedding + padding * config.hiddenSize).update(repeating: 0, count: config.hiddenSize)
        }
    }

    /// Loads the parameters from a Hugging Face checkpoint, every tensor checked against the config.
    /// `rotary_emb.inv_freq` buffers (older exports) are ignored, and so is `lm_head.weight` of a
    /// tied model, which transformers replaces by the embedding too.
    public convenience init(config: LlamaConfig, checkpoint reader: any TensorSource) throws {
        self.init(zeroed: config)
        let expected = Set(layout.specs.map(\.name))
        for name in reader.tensorNames where !expected.contains(name) && !isIgnoredCheckpointTensor(name) {
            throw ModelError.unexpectedTensor(file: reader.path, tensor: name)
        }
        for spec in layout.specs {
            try reader.read(spec.name, into: layout.view(spec.name, in: parameters), expectedShape: spec.shape)
        }
    }

    private func isIgnoredCheckpointTensor(_ name: String) -> Bool {
        name.hasSuffix("rotary_emb.inv_freq") || (config.tieWordEmbeddings && name == LlamaTensors.headName)
    }
}
