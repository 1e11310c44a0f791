/// A GPT-2 language model (Hugging Face `GPT2LMHeadModel` arithmetic, LM head tied to the token
/// embedding) whose parameters and gradients each live in one flat buffer under the Hugging Face
/// tensor names.
public final class GPT2 {
    public let config: GPT2Config
    /// Names (with the `transformer.` prefix), shapes and offsets of the parameters, shared by the
    /// gradients and the optimizer moments.
    public let layout: TensorLayout
    public let parameters: FloatBuffer
    /// Allocated on first use, so a frozen reference model never holds one; mapped from the kernel,
    /// so ZeRO stage 2 can hand back the pages outside its shard.
    public private(set) lazy var gradients = FloatBuffer(count: layout.totalCount, pageBacked: true)

    let weights: GPT2Tensors
    private(set) lazy var weightGradients = GPT2Tensors(layout: layout, layers: config.layers, buffer: gradients)
    var activations: GPT2Activations?
    public var recomputation = ActivationRecomputation.none
    public lazy var logitChunkRows = LanguageModelHead.defaultChunkRows(vocabularySize: config.vocabularySize)
    var pass: ForwardPass?
    /// The config.json field of `maxPositions`, which errors and preconditions name.
    static let positionsField = "n_positions"

    /// A model over `parameters` (laid out by `GPT2Tensors.layout`), by default zeros to be filled.
    init(validated config: GPT2Config, parameters: FloatBuffer? = nil) {
        self.config = config
        let layout = GPT2Tensors.layout(config)
        self.layout = layout
        precondition(parameters.map { $0.count == layout.totalCount } ?? true, "the parameters do not fit the config")
        self.parameters = parameters ?? FloatBuffer(count: layout.totalCount)
        weights = GPT2Tensors(layout: layout, layers: config.layers, buffer: self.parameters)
    }

    /// A freshly initialised model: N(0, initializer_range) weights (projections onto the residual
    /// stream scaled by 1/√(2·layers)), LayerNorm gains 1, biases 0. The same seed gives the same
    /// model whatever the thread count.
    public convenience init(config: GPT2Config, seed: UInt64) throws {
        try config.validate()
        self.init(validated: config)
        ParameterTensor.initialize(GPT2Tensors.descriptions(config), layout: layout, in: parameters, seed: seed)
    }

    /// Loads the parameters from a Hugging Face checkpoint. Names may carry the `transformer.`
    /// prefix or not; `lm_head.weight` (tied) and the attention-mask buffers are ignored.
    public convenience init(config: GPT2Config, checkpoint reader: any TensorSource) throws {
        try config.validate()
        self.init(validated: config)
        var expected = Set<String>()
        for spec in layout.specs {
            expected.insert(spec.name)
            expected.insert(String(spec.name.dropFirst(GPT2Tensors.prefix.count)))
        }
        for name in reader.tensorNames where !expected.contains(name) && !Self.isIgnoredCheckpointTensor(name) {
            throw ModelError.unexpectedTensor(file: reader.path, tensor: name)
        }
        for spec in layout.specs {
            let unprefixed = String(spec.name.dropFirst(GPT2Tensors.prefix.count))
            let stored = reader.shape(of: spec.name) == nil && reader.shape(of: unprefixed) != nil ? unprefixed : spec.name
            try reader.read(stored, into: layout.view(spec.name, in: parameters), expectedShape: spec.shape)
        }
    }

    /// Tensors a Hugging Face GPT-2 checkpoint may hold that are not parameters here.
    static func isIgnoredCheckpointTensor(_ name: String) -> Bool {
        name == "lm_head.weight" || name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
    }
}
