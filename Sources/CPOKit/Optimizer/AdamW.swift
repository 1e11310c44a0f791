import Foundation

/// AdamW with `torch.optim.AdamW`'s arithmetic, operation for operation (its single-tensor CPU
/// path), so parameters agree with PyTorch to float rounding. Weight decay applies to tensors with
/// two or more dimensions only (matrices and embeddings, not biases or LayerNorm gains).
///
/// Under ZeRO stages 1 and 2 each rank's optimizer updates only `range`, its shard of the flat
/// buffer, and holds the moments of that range alone. The arithmetic is element by element, so a
/// shard's parameters come out bit for bit as the whole buffer's update would leave them.
public final class AdamW {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    public let layout: TensorLayout
    /// The elements of the flat buffer this optimizer updates (all of them unless sharded).
    public let range: Range<Int>
    /// First and second moments of `range`: element i belongs to element `range.lowerBound + i` of
    /// the parameters.
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Updates taken so far; restore it with the moments to resume.
    public var step: Int

    public init(layout: TensorLayout, range: Range<Int>? = nil, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = 0.01) {
        let range = range ?? 0 ..< layout.totalCount
        precondition(range.lowerBound >= 0 && range.upperBound <= layout.totalCount, "the optimizer's range lies outside the layout")
        self.layout = layout
        self.range = range
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = FloatBuffer(count: range.count)
        v = FloatBuffer(count: range.count)
        step = 0
    }

    /// One update of `range` of `parameters` from the same range of `gradients` (both laid out by
    /// `layout`; elements outside the range are neither read nor written).
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, learningRate: Double) {
        precondition(parameters.count == layout.totalCount && gradients.count == layout.totalCount, "buffers do not follow the optimizer's layout")
        step += 1
        // Scalars are formed in double precision and rounded to float once, as PyTorch does with
        // Python numbers passed to float tensors.
        typealias Vector = VectorMath.Vector
        let decay = Vector(repeating: Float(1 - learningRate * weightDecay))
        let momentWeight = Vector(repeating: Float(1 - beta1))
        let beta2 = Vector(repeating: Float(self.beta2)), squareWeight = Vector(repeating: Float(1 - self.beta2))
        let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(self.beta2, Double(step))
        let negativeStepSize = Vector(repeating: Float(-(learningRate / correction1)))
        let correction2Root = Vector(repeating: Float(correction2.squareRoot()))
        let epsilon = Vector(repeating: Float(epsilon))
        for spec in layout.specs {
            let part = (spec.offset ..< spec.offset + spec.count).clamped(to: range)
            guard !part.isEmpty else { continue }
            let decays = spec.shape.count >= 2
            let p = parameters.pointer + part.lowerBound, g = gradients.pointer + part.lowerBound
            let m = m.pointer + (part.lowerBound - range.lowerBound), v = v.pointer + (part.lowerBound - range.lowerBound)
            Parallel.forEachChunk(part.count) { range in
                VectorMath.forEachBlock(range.count) { start, lanes in
                    let i = range.lowerBound + start
                    var parameter = VectorMath.load(p + i, lanes: lanes), gradient = VectorMath.load(g + i, lanes: lanes)
                    var moment = VectorMath.load(m + i, lanes: lanes), square = VectorMath.load(v + i, lanes: lanes)
                    if decays { parameter *= decay }
                    // torch.lerp with weight < 0.5.
                    moment = moment + momentWeight * (gradient - moment)
                    square = square * beta2 + squareWeight * gradient * gradient
                    let denominator = square.squareRoot() / correction2Root + epsilon
                    parameter = parameter + negativeStepSize * moment / denominator
                    VectorMath.store(parameter, p + i, lanes: lanes)
                    VectorMath.store(moment, m + i, lanes: lanes)
                    VectorMath.store(square, v + i, lanes: lanes)
                }
            }
        }
    }
}
