/// Scales a gradient so its global L2 norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
/// does (coefficient maxNorm / (norm + 1e-6), never above 1). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
    let norm = Float(l2Norm(UnsafeBufferPointer(gradients.buffer)))
    guard maxNorm > 0, norm.isFinite else { return norm }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        let p = gradients.pointer
        for i in 0..<gradients.count { p[i] *= coefficient }
    }
    return norm
}

/// L2 norm accumulated in Double so the result does not depend on the buffer's size or order of magnitude.
public func l2Norm(_ values: UnsafeBufferPointer<Float>) -> Double {
    var sum: Double = 0
    for value in values { sum += Double(value) * Double(value) }
    return sum.squareRoot()
}
