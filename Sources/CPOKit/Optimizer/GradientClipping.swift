/// Scales a gradient so its global L2 norm is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`
/// does (coefficient maxNorm / (norm + 1e-6), never above 1). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
    let norm = gradientNorm(shardSquares: [sumOfSquares(UnsafeBufferPointer(gradients.buffer))])
    clipGradient(gradients, range: 0 ..< gradients.count, norm: norm, maxNorm: maxNorm)
    return norm
}

/// The global L2 norm of a gradient cut into shards, from each shard's `sumOfSquares` in shard
/// order: the same bits whether one rank summed every shard or each rank its own (ZeRO), and for a
/// single shard the norm of the whole buffer.
public func gradientNorm(shardSquares: [Double]) -> Float {
    Float(shardSquares.reduce(0, +).squareRoot())
}

/// Multiplies `range` of `gradients` by the clipping coefficient of `norm`, if it is below 1.
public func clipGradient(_ gradients: FloatBuffer, range: Range<Int>, norm: Float, maxNorm: Float) {
    guard maxNorm > 0, norm.isFinite else { return }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        let p = gradients.pointer
        for i in range { p[i] *= coefficient }
    }
}

/// Σ x² accumulated in Double, in element order, so the result does not depend on the buffer's
/// size or order of magnitude.
public func sumOfSquares(_ values: UnsafeBufferPointer<Float>) -> Double {
    var sum: Double = 0
    for value in values { sum += Double(value) * Double(value) }
    return sum
}
