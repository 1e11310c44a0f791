import Foundation

/// Per-row cross-entropy of softmax(logits) against a target class, fused so the probabilities are
/// never stored: the forward pass keeps one log-sum-exp per row, and the backward pass turns the
/// logits into their gradient in place.
struct SoftmaxCrossEntropy {
    typealias Vector = VectorMath.Vector
    let rows: Int
    let classes: Int

    /// nll[r] = logsumexp(logits[r]) − logits[r, targets[r]]; rows whose target is negative are
    /// masked and get nll 0.
    func forward(nll: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
                 logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>) {
        let classes = classes
        Parallel.forEachChunk(rows, workPerItem: classes) { range in
            for row in range {
                guard targets[row] >= 0 else { nll[row] = 0; logSumExp[row] = 0; continue }
                let l = logits + row * classes
                let maximum = VectorMath.maximum(l, classes)
                let lse = maximum + Foundation.log(VectorMath.sumOfExponentials(l, classes, shift: maximum))
                logSumExp[row] = lse
                nll[row] = lse - l[Int(targets[row])]
            }
        }
    }

    /// Overwrites the logits with ∂L/∂logits given weights[r] = ∂L/∂nll[r]:
    /// weights[r] · (softmax(logits[r]) − onehot(targets[r])). Masked rows get zeros.
    func backward(logits: UnsafeMutablePointer<Float>, logSumExp: UnsafePointer<Float>,
                  targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>) {
        let classes = classes
        Parallel.forEachChunk(rows, workPerItem: classes) { range in
            for row in range {
                let l = logits + row * classes
                let target = Int(targets[row]), weight = weights[row]
                guard target >= 0, weight != 0 else { l.update(repeating: 0, count: classes); continue }
                let shift = Vector(repeating: logSumExp[row]), scale = Vector(repeating: weight)
                VectorMath.forEachBlock(classes) { start, lanes in
                    let probability = VectorMath.exp(VectorMath.load(l + start, lanes: lanes) - shift)
                    VectorMath.store(scale * probability, l + start, lanes: lanes)
                }
                l[target] -= weight
            }
        }
    }
}
