import Foundation

/// AdamW with `torch.optim.AdamW`'s arithmetic, operation for operation (its single-tensor CPU
/// path), so parameters agree with PyTorch to float rounding. Weight decay applies to tensors with
/// two or more dimensions only (matrices and embeddings, not biases or LayerNorm gains).
public final class AdamW {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let layout: TensorLayout
    /// First and second moments, laid out like the parameters.
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Updates taken so far; restore it with the moments to resume.
    public var step: Int

    public init(layout: TensorLayout, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        self.layout = layout
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = FloatBuffer(count: layout.totalCount)
        v = FloatBuffer(count: layout.totalCount)
        step = 0
    }

    /// One update of `parameters` from `gradients` (both laid out by `layout`).
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        precondition(parameters.count == layout.totalCount && gradients.count == layout.totalCount, "buffers do not follow the optimizer's layout")
        step += 1
        // Scalars are formed in double precision and rounded to float once, as PyTorch does with
        // Python numbers passed to float tensors.
        let decay = Float(1 - learningRate * weightDecay)
        let momentWeight = Float(1 - beta1)
        let beta2 = Float(self.beta2), squareWeight = Float(1 - self.beta2)
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(self.beta2, Double(step))
        let negativeStepSize = Float(-(learningRate / correction1))
        let correction2Root = Float(correction2.squareRoot())
        let epsilon = Float(epsilon)
        let p = parameters.pointer, g = gradients.pointer, m = m.pointer, v = v.pointer
        for spec in layout.specs {
            let decays = spec.shape.count >= 2
            Parallel.forEachChunk(spec.count) { range in
                for i in (spec.offset + range.lowerBound)..<(spec.offset + range.upperBound) {
                    if decays { p[i] *= decay }
                    // torch.lerp with weight < 0.5.
                    m[i] = m[i] + momentWeight * (g[i] - m[i])
                    v[i] = v[i] * beta2 + squareWeight * g[i] * g[i]
                    let denominator = v[i].squareRoot() / correction2Root + epsilon
                    p[i] = p[i] + negativeStepSize * m[i] / denominator
                }
            }
        }
    }
}
