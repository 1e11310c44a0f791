/// The tensors of a GPT-2 model under their Hugging Face names, and typed views of them inside one
/// flat buffer (the parameters, their gradients or an optimizer moment: all share the layout).
struct GPT2Tensors {
    /// One transformer block's tensors, by the name suffix after `transformer.h.{i}.`.
    enum BlockPart: String, CaseIterable {
        case norm1Weight = "ln_1.weight", norm1Bias = "ln_1.bias"
        case attentionWeight = "attn.c_attn.weight", attentionBias = "attn.c_attn.bias"
        case attentionProjectionWeight = "attn.c_proj.weight", attentionProjectionBias = "attn.c_proj.bias"
        case norm2Weight = "ln_2.weight", norm2Bias = "ln_2.bias"
        case mlpWeight = "mlp.c_fc.weight", mlpBias = "mlp.c_fc.bias"
        case mlpProjectionWeight = "mlp.c_proj.weight", mlpProjectionBias = "mlp.c_proj.bias"

        func shape(_ config: GPT2Config) -> [Int] {
            let c = config.channels, inner = config.mlpChannels
            switch self {
            case .norm1Weight, .norm1Bias, .norm2Weight, .norm2Bias, .attentionProjectionBias, .mlpProjectionBias: return [c]
            case .attentionWeight: return [c, 3 * c]
            case .attentionBias: return [3 * c]
            case .attentionProjectionWeight: return [c, c]
            case .mlpWeight: return [c, inner]
            case .mlpBias: return [inner]
            case .mlpProjectionWeight: return [inner, c]
            }
        }

        /// GPT-2's scheme: N(0, σ) weights, with the projections onto the residual stream scaled
        /// by 1/√(2·layers) so the stream's variance does not grow with depth.
        func initialization(_ config: GPT2Config) -> ParameterTensor.Initialization {
            switch self {
            case .norm1Weight, .norm2Weight: return .ones
            case .attentionWeight, .mlpWeight: return .normal(standardDeviation: config.initializerRange)
            case .attentionProjectionWeight, .mlpProjectionWeight:
                return .normal(standardDeviation: config.initializerRange / (2 * Double(config.layers)).squareRoot())
            default: return .zeros
            }
        }
    }

    static let prefix = "transformer."
    static let tokenEmbeddingName = "transformer.wte.weight"
    static let positionEmbeddingName = "transformer.wpe.weight"
    static let finalNormWeightName = "transformer.ln_f.weight"
    static let finalNormBiasName = "transformer.ln_f.bias"

    static func blockName(_ layer: Int, _ part: BlockPart) -> String { "transformer.h.\(layer).\(part.rawValue)" }

    /// Every tensor in checkpoint order. The LM head is tied to the token embedding and has none.
    static func descriptions(_ config: GPT2Config) -> [ParameterTensor] {
        let normal = ParameterTensor.Initialization.normal(standardDeviation: config.initializerRange)
        var result = [ParameterTensor(name: tokenEmbeddingName, shape: [config.vocabularySize, config.channels], initialization: normal),
                      ParameterTensor(name: positionEmbeddingName, shape: [config.maxPositions, config.channels], initialization: normal)]
        for layer in 0..<config.layers {
            for part in BlockPart.allCases {
                result.append(ParameterTensor(name: blockName(layer, part), shape: part.shape(config), initialization: part.initialization(config)))
            }
        }
        result.append(ParameterTensor(name: finalNormWeightName, shape: [config.channels], initialization: .ones))
        result.append(ParameterTensor(name: finalNormBiasName, shape: [config.channels], initialization: .zeros))
        return result
    }

    static func layout(_ config: GPT2Config) -> TensorLayout { ParameterTensor.layout(descriptions(config)) }

    /// Each block's span of a buffer with `layout`, by layer: from its first tensor to the next
    /// block's (or the final LayerNorm's), alignment padding included, so the spans are consecutive.
    static func blockRanges(_ layout: TensorLayout, layers: Int) -> [Range<Int>] {
        let starts = (0..<layers).map { layout[blockName($0, BlockPart.allCases[0])]!.offset } + [layout[finalNormWeightName]!.offset]
        return (0..<layers).map { starts[$0] ..< starts[$0 + 1] }
    }

    struct Block {
        let tensors: [BlockPart: UnsafeMutablePointer<Float>]
        subscript(part: BlockPart) -> UnsafeMutablePointer<Float> { tensors[part]! }
    }

    let tokenEmbedding: UnsafeMutablePointer<Float>
    let positionEmbedding: UnsafeMutablePointer<Float>
    let blocks: [Block]
    let finalNormWeight: UnsafeMutablePointer<Float>
    let finalNormBias: UnsafeMutablePointer<Float>

    /// Views into `buffer`, which must outlive them and follow `layout`.
    init(layout: TensorLayout, layers: Int, buffer: FloatBuffer) {
        func view(_ name: String) -> UnsafeMutablePointer<Float> { layout.view(name, in: buffer).baseAddress! }
        tokenEmbedding = view(Self.tokenEmbeddingName)
        positionEmbedding = view(Self.positionEmbeddingName)
        blocks = (0..<layers).map { layer in
            Block(tensors: Dictionary(uniqueKeysWithValues: BlockPart.allCases.map { ($0, view(Self.blockName(layer, $0))) }))
        }
        finalNormWeight = view(Self.finalNormWeightName)
        finalNormBias = view(Self.finalNormBiasName)
    }
}
