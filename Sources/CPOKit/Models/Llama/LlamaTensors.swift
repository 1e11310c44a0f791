/// The tensors of a Llama-family model under their Hugging Face names, and typed views of them
/// inside one flat buffer (the parameters, their gradients or an optimizer moment: all share the
/// layout).
///
/// The q, k and v projections lie back to back, their biases too, and so do gate and up: each
/// group reads one input, and stacked it is one [outputs, inputs] matrix (`TensorLayout.append`
/// with `aligned: false`), so one product writes q, k and v packed side by side for the
/// attention, and one product's weight gradient fills the three tensors' gradients.
struct LlamaTensors {
    /// One decoder layer's tensors, by the name suffix after `model.layers.{i}.`, in layout order.
    enum BlockPart: String, CaseIterable {
        case inputNorm = "input_layernorm.weight"
        case query = "self_attn.q_proj.weight", key = "self_attn.k_proj.weight", value = "self_attn.v_proj.weight"
        case queryBias = "self_attn.q_proj.bias", keyBias = "self_attn.k_proj.bias", valueBias = "self_attn.v_proj.bias"
        case output = "self_attn.o_proj.weight", outputBias = "self_attn.o_proj.bias"
        case postAttentionNorm = "post_attention_layernorm.weight"
        case gate = "mlp.gate_proj.weight", up = "mlp.up_proj.weight"
        case gateBias = "mlp.gate_proj.bias", upBias = "mlp.up_proj.bias"
        case down = "mlp.down_proj.weight", downBias = "mlp.down_proj.bias"

        /// nn.Linear's [out, in].
        func shape(_ config: LlamaConfig) -> [Int] {
            let c = config.hiddenSize, q = config.heads * config.headSize, kv = config.keyValueHeads * config.headSize
            let inner = config.intermediateSize
            switch self {
            case .inputNorm, .postAttentionNorm, .outputBias, .downBias: return [c]
            case .query: return [q, c]
            case .key, .value: return [kv, c]
            case .queryBias: return [q]
            case .keyBias, .valueBias: return [kv]
            case .output: return [c, q]
            case .gate, .up: return [inner, c]
            case .gateBias, .upBias: return [inner]
            case .down: return [c, inner]
            }
        }

        func isPresent(_ config: LlamaConfig) -> Bool {
            switch self {
            case .queryBias, .keyBias, .valueBias: return config.queryKeyValueBias
            case .outputBias: return config.outputBias
            case .gateBias, .upBias, .downBias: return config.mlpBias
            default: return true
            }
        }

        /// Laid out right after the part before it, stacked with it into one matrix.
        var isStacked: Bool { [.key, .value, .keyBias, .valueBias, .up, .upBias].contains(self) }

        /// Hugging Face's `_init_weights`: N(0, initializer_range) for every nn.Linear weight,
        /// zero biases, unit RMSNorm gains.
        func initialization(_ config: LlamaConfig) -> ParameterTensor.Initialization {
            switch self {
            case .inputNorm, .postAttentionNorm: return .ones
            case .query, .key, .value, .output, .gate, .up, .down: return .normal(standardDeviation: config.initializerRange)
            default: return .zeros
            }
        }
    }

    static let embeddingName = "model.embed_tokens.weight"
    static let finalNormName = "model.norm.weight"
    static let headName = "lm_head.weight"

    static func blockName(_ layer: Int, _ part: BlockPart) -> String { "model.layers.\(layer).\(part.rawValue)" }

    /// Every tensor in layout order; `lm_head.weight` only when the head is not tied to the embedding.
    static func descriptions(_ config: LlamaConfig) -> [ParameterTensor] {
        let normal = ParameterTensor.Initialization.normal(standardDeviation: config.initializerRange)
        var result = [ParameterTensor(name: embeddingName, shape: [config.vocabularySize, config.hiddenSize], initialization: normal)]
        for layer in 0..<config.layers {
            for part in BlockPart.allCases where part.isPresent(config) {
                result.append(ParameterTensor(name: blockName(layer, part), shape: part.shape(config), initialization: part.initialization(config),
                                              aligned: !part.isStacked))
            }
        }
        result.append(ParameterTensor(name: finalNormName, shape: [config.hiddenSize], initialization: .ones))
        if !config.tieWordEmbeddings {
            result.append(ParameterTensor(name: headName, shape: [config.vocabularySize, config.hiddenSize], initialization: normal))
        }
        return result
    }

    static func layout(_ config: LlamaConfig) -> TensorLayout { ParameterTensor.layout(descriptions(config)) }

    /// Each layer's span of a buffer with `layout`: from its first tensor to the next layer's (or
    /// the final norm's), alignment padding included, so the spans are consecutive.
    static func blockRanges(_ layout: TensorLayout, layers: Int) -> [Range<Int>] {
        let starts = (0..<layers).map { layout[blockName($0, .inputNorm)]!.offset } + [layout[finalNormName]!.offset]
        return (0..<layers).map { starts[$0] ..< starts[$0 + 1] }
    }

    struct Block {
        let tensors: [BlockPart: UnsafeMutablePointer<Float>]
        /// The part's tensor; for a stacked group's first part, the whole group's. nil for an absent bias.
        subscript(part: BlockPart) -> UnsafeMutablePointer<Float>? { tensors[part] }
        subscript(required part: BlockPart) -> UnsafeMutablePointer<Float> { tensors[part]! }
    }

    let embedding: UnsafeMutablePointer<Float>
    let blocks: [Block]
    let finalNorm: UnsafeMutablePointer<Float>
    /// The LM head's [V, C] weight: `lm_head.weight`, or the embedding itself when tied.
    let head: UnsafeMutablePointer<Float>

    /// Views into `buffer`, which must outlive them and follow `layout(config)`.
    init(layout: TensorLayout, config: LlamaConfig, buffer: FloatBuffer) {
        func view(_ name: String) -> UnsafeMutablePointer<Float> { layout.view(name, in: buffer).baseAddress! }
        embedding = view(Self.embeddingName)
        blocks = (0..<config.layers).map { layer in
            Block(tensors: Dictionary(uniqueKeysWithValues: BlockPart.allCases.filter { $0.isPresent(config) }.map { ($0, view(Self.blockName(layer, $0))) }))
        }
        finalNorm = view(Self.finalNormName)
        head = config.tieWordEmbeddings ? embedding : view(Self.headName)
    }
}
