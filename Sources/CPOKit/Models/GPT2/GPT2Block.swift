/// The kernels of one GPT-2 transformer block over `rows` rows, in the order the block runs them:
/// x + attention(ln_1(x)), then + mlp(ln_2(·)). Attention itself is passed in, because training
/// attends within each sequence and generation attends to a KV cache.
struct GPT2Block {
    typealias Pointer = UnsafeMutablePointer<Float>
    let norm: LayerNorm
    let qkv: Linear
    let attentionProjection: Linear
    let mlp: Linear
    let gelu: GELU
    let mlpProjection: Linear

    init(config: GPT2Config, rows: Int) {
        let c = config.channels, inner = config.mlpChannels
        norm = LayerNorm(rows: rows, channels: c, epsilon: Float(config.layerNormEpsilon))
        qkv = Linear(rows: rows, inputs: c, outputs: 3 * c, layout: .inputMajor)
        attentionProjection = Linear(rows: rows, inputs: c, outputs: c, layout: .inputMajor)
        mlp = Linear(rows: rows, inputs: c, outputs: inner, layout: .inputMajor)
        gelu = GELU(count: rows * inner)
        mlpProjection = Linear(rows: rows, inputs: inner, outputs: c, layout: .inputMajor)
    }

    /// Runs the block on the residual stream `input`; its output is `act.residualAfterMLP`.
    /// `attend` fills `act.attention` from `act.qkv`. `panels`, the block's matrices packed for few
    /// rows, serve the products when the rows are few.
    func forward(_ w: GPT2Tensors.Block, panels: GPT2PanelWeights.Block? = nil, _ act: GPT2Activations.Block,
                 input: UnsafePointer<Float>, attend: () -> Void) {
        norm.forward(out: act.norm1.pointer, mean: act.norm1Mean.pointer, rstd: act.norm1Rstd.pointer, inp: input,
                     weight: w[.norm1Weight], bias: w[.norm1Bias])
        qkv.forward(out: act.qkv.pointer, inp: act.norm1.pointer, weight: w[.attentionWeight], panels: panels?[.attentionWeight],
                    bias: w[.attentionBias])
        attend()
        attentionProjection.forward(out: act.residualAfterAttention.pointer, inp: act.attention.pointer,
                                    weight: w[.attentionProjectionWeight], panels: panels?[.attentionProjectionWeight],
                                    bias: w[.attentionProjectionBias], base: input)
        norm.forward(out: act.norm2.pointer, mean: act.norm2Mean.pointer, rstd: act.norm2Rstd.pointer,
                     inp: act.residualAfterAttention.pointer, weight: w[.norm2Weight], bias: w[.norm2Bias])
        mlp.forward(out: act.mlp.pointer, inp: act.norm2.pointer, weight: w[.mlpWeight], panels: panels?[.mlpWeight], bias: w[.mlpBias])
        gelu.forward(out: act.mlpActivated.pointer, inp: act.mlp.pointer)
        mlpProjection.forward(out: act.residualAfterMLP.pointer, inp: act.mlpActivated.pointer, weight: w[.mlpProjectionWeight],
                              panels: panels?[.mlpProjectionWeight], bias: w[.mlpProjectionBias], base: act.residualAfterAttention.pointer)
    }

    /// Given `a.dResidual` = ∂L/∂(block output), adds the block's parameter gradients to `g` and
    /// turns `a.dResidual` into ∂L/∂input. The residual path is the identity, so dResidual is also
    /// the gradient at every residual point inside the block; each branch adds its share.
    /// `attendBackward` fills `a.dQKV` from `a.dAttention`.
    func backward(_ w: GPT2Tensors.Block, _ g: GPT2Tensors.Block, _ act: GPT2Activations.Block, input: UnsafePointer<Float>,
                  scratch a: GPT2Activations, attendBackward: () -> Void) {
        mlpProjection.backward(dinp: a.dMLP.pointer, dweight: g[.mlpProjectionWeight], dbias: g[.mlpProjectionBias],
                               dout: a.dResidual.pointer, inp: act.mlpActivated.pointer, weight: w[.mlpProjectionWeight])
        gelu.backward(dinp: a.dMLP.pointer, dout: a.dMLP.pointer, inp: act.mlp.pointer)
        mlp.backward(dinp: a.dNorm.pointer, dweight: g[.mlpWeight], dbias: g[.mlpBias], dout: a.dMLP.pointer,
                     inp: act.norm2.pointer, weight: w[.mlpWeight])
        norm.backward(dinp: a.dResidual.pointer, dweight: g[.norm2Weight], dbias: g[.norm2Bias], dout: a.dNorm.pointer,
                      inp: act.residualAfterAttention.pointer, mean: act.norm2Mean.pointer, rstd: act.norm2Rstd.pointer,
                      weight: w[.norm2Weight])
        attentionProjection.backward(dinp: a.dAttention.pointer, dweight: g[.attentionProjectionWeight],
                                     dbias: g[.attentionProjectionBias], dout: a.dResidual.pointer,
                                     inp: act.attention.pointer, weight: w[.attentionProjectionWeight])
        attendBackward()
        qkv.backward(dinp: a.dNorm.pointer, dweight: g[.attentionWeight], dbias: g[.attentionBias], dout: a.dQKV.pointer,
                     inp: act.norm1.pointer, weight: w[.attentionWeight])
        norm.backward(dinp: a.dResidual.pointer, dweight: g[.norm1Weight], dbias: g[.norm1Bias], dout: a.dNorm.pointer,
                      inp: input, mean: act.norm1Mean.pointer, rstd: act.norm1Rstd.pointer, weight: w[.norm1Weight])
    }
}
