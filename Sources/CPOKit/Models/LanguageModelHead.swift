/// The LM head of a training pass over B·T rows — a Linear from the final norm's output to the
/// vocabulary, its weight tied to the token embedding or not — and the cross-entropy of its logits:
/// what the forward and backward passes of every family do after the final norm.
struct LanguageModelHead {
    /// What the head keeps of a pass over up to `capacity` rows, for the model's views and the
    /// backward pass; allocated once with the family's activations and reused from step to step.
    final class Activations {
        let channels: Int
        let vocabularySize: Int
        /// The head's input, the final norm's output: the hidden states.
        let finalNorm: FloatBuffer
        /// Overwritten with their own gradient by the backward pass.
        let logits: FloatBuffer
        let logSumExp: FloatBuffer
        let nll: FloatBuffer

        init(channels: Int, vocabularySize: Int, capacity rows: Int) {
            (self.channels, self.vocabularySize) = (channels, vocabularySize)
            finalNorm = FloatBuffer(count: rows * channels)
            logits = FloatBuffer(count: rows * vocabularySize)
            (logSumExp, nll) = (FloatBuffer(count: rows), FloatBuffer(count: rows))
        }
    }

    let linear: Linear
    let crossEntropy: SoftmaxCrossEntropy

    init(rows: Int, channels: Int, vocabularySize: Int) {
        linear = Linear(rows: rows, inputs: channels, outputs: vocabularySize, layout: .outputMajor)
        crossEntropy = SoftmaxCrossEntropy(rows: rows, classes: vocabularySize)
    }

    /// The logits of `a.finalNorm` by `weight` ([V, C]), and their nll against `targets`.
    func forward(_ a: Activations, weight: UnsafePointer<Float>, targets: [Int32]) {
        linear.forward(out: a.logits.pointer, inp: a.finalNorm.pointer, weight: weight, bias: nil)
        targets.withUnsafeBufferPointer {
            crossEntropy.forward(nll: a.nll.pointer, logSumExp: a.logSumExp.pointer, logits: a.logits.pointer, targets: $0.baseAddress!)
        }
    }

    /// Given `lossWeights` = ∂L/∂nll, turns the logits into their gradient, adds the weight's
    /// gradient to `dweight` and writes ∂L/∂finalNorm into `dNorm`.
    func backward(_ a: Activations, weight: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>, dNorm: UnsafeMutablePointer<Float>,
                  targets: [Int32], lossWeights: [Float]) {
        targets.withUnsafeBufferPointer { targets in
            lossWeights.withUnsafeBufferPointer {
                crossEntropy.backward(logits: a.logits.pointer, logSumExp: a.logSumExp.pointer, targets: targets.baseAddress!,
                                      weights: $0.baseAddress!)
            }
        }
        linear.backward(dinp: dNorm, dweight: dweight, dbias: nil, dout: a.logits.pointer, inp: a.finalNorm.pointer, weight: weight)
    }
}
