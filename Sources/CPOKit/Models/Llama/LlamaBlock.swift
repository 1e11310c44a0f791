/// The kernels of one Llama decoder layer over `rows` rows, in the order the layer runs them:
/// x + o_proj(attention(rope(q, k), v)) over input_layernorm(x), then
/// + down_proj(silu(gate_proj(·)) · up_proj(·)) over post_attention_layernorm. Attention itself
/// is passed in, because training attends within each sequence and generation attends to a KV cache.
struct LlamaBlock {
    let norm: RMSNorm
    /// q_proj, k_proj and v_proj as one product, writing q, k, v packed per row.
    let qkv: Linear
    /// Turns the query and key heads, which lead each packed row.
    let rotary: RotaryEmbedding
    let output: Linear
    /// gate_proj and up_proj as one product.
    let gateUp: Linear
    let swiGLU: SwiGLU
    let down: Linear

    init(config: LlamaConfig, rows: Int) {
        let c = config.hiddenSize, inner = config.intermediateSize, attended = config.heads * config.headSize
        norm = RMSNorm(rows: rows, channels: c, epsilon: Float(config.rmsNormEpsilon))
        qkv = Linear(rows: rows, inputs: c, outputs: config.packedQKVWidth, layout: .outputMajor)
        rotary = RotaryEmbedding(rows: rows, heads: config.heads + config.keyValueHeads, headSize: config.headSize,
                                 rowStride: config.packedQKVWidth)
        output = Linear(rows: rows, inputs: attended, outputs: c, layout: .outputMajor)
        gateUp = Linear(rows: rows, inputs: c, outputs: 2 * inner, layout: .outputMajor)
        swiGLU = SwiGLU(rows: rows, width: inner)
        down = Linear(rows: rows, inputs: inner, outputs: c, layout: .outputMajor)
    }

    /// Runs the layer on the residual stream `input`; its output is `act.residualAfterMLP`. Row r
    /// sits at `position(r)` of its sequence, whose angles `rotaryTable` holds. `attend` fills
    /// `act.attention` from `act.qkv`. `panels`, the layer's matrices packed for few rows, serve
    /// the products when the rows are few.
    func forward(_ w: LlamaTensors.Block, panels: LlamaPanelWeights.Block? = nil, _ act: LlamaActivations.Block,
                 input: UnsafePointer<Float>, rotaryTable: UnsafePointer<Float>, position: (Int) -> Int, attend: () -> Void) {
        norm.forward(out: act.norm1.pointer, rstd: act.norm1Rstd.pointer, inp: input, weight: w[required: .inputNorm])
        qkv.forward(out: act.qkv.pointer, inp: act.norm1.pointer, weight: w[required: .query], panels: panels?[.query], bias: w[.queryBias])
        rotary.forward(act.qkv.pointer, table: rotaryTable, position: position)
        attend()
        output.forward(out: act.residualAfterAttention.pointer, inp: act.attention.pointer, weight: w[required: .output],
                       panels: panels?[.output], bias: w[.outputBias], base: input)
        norm.forward(out: act.norm2.pointer, rstd: act.norm2Rstd.pointer, inp: act.residualAfterAttention.pointer,
                     weight: w[required: .postAttentionNorm])
        gateUp.forward(out: act.gateUp.pointer, inp: act.norm2.pointer, weight: w[required: .gate], panels: panels?[.gate], bias: w[.gateBias])
        swiGLU.forward(out: act.activated.pointer, inp: act.gateUp.pointer)
        down.forward(out: act.residualAfterMLP.pointer, inp: act.activated.pointer, weight: w[required: .down], panels: panels?[.down],
                     bias: w[.downBias], base: act.residualAfterAttention.pointer)
    }

    /// Given `a.dResidual` = ∂L/∂(layer output), adds the layer's parameter gradients to `g` and
    /// turns `a.dResidual` into ∂L/∂input. The residual path is the identity, so dResidual is also
    /// the gradient at every residual point inside the layer; each branch adds its share.
    /// `attendBackward` fills `a.dQKV` from `a.dAttention`.
    func backward(_ w: LlamaTensors.Block, _ g: LlamaTensors.Block, _ act: LlamaActivations.Block, input: UnsafePointer<Float>,
                  scratch a: LlamaActivations, rotaryTable: UnsafePointer<Float>, position: (Int) -> Int, attendBackward: () -> Void) {
        down.backward(dinp: a.dActivated.pointer, dweight: g[required: .down], dbias: g[.downBias], dout: a.dResidual.pointer,
                      inp: act.activated.pointer, weight: w[required: .down])
        swiGLU.backward(dinp: a.dGateUp.pointer, dout: a.dActivated.pointer, inp: act.gateUp.pointer)
        gateUp.backward(dinp: a.dNorm.pointer, dweight: g[required: .gate], dbias: g[.gateBias], dout: a.dGateUp.pointer,
                        inp: act.norm2.pointer, weight: w[required: .gate])
        norm.backward(dinp: a.dResidual.pointer, dweight: g[required: .postAttentionNorm], dout: a.dNorm.pointer,
                      inp: act.residualAfterAttention.pointer, rstd: act.norm2Rstd.pointer, weight: w[required: .postAttentionNorm])
        output.backward(dinp: a.dAttention.pointer, dweight: g[required: .output], dbias: g[.outputBias], dout: a.dResidual.pointer,
                        inp: act.attention.pointer, weight: w[required: .output])
        attendBackward()
        rotary.backward(a.dQKV.pointer, table: rotaryTable, position: position)
        qkv.backward(dinp: a.dNorm.pointer, dweight: g[required: .query], dbias: g[.queryBias], dout: a.dQKV.pointer,
                     inp: act.norm1.pointer, weight: w[required: .query])
        norm.backward(dinp: a.dResidual.pointer, dweight: g[required: .inputNorm], dout: a.dNorm.pointer, inp: input,
                      rstd: act.norm1Rstd.pointer, weight: w[required: .inputNorm])
    }
}
