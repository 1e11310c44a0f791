/// The batch of a model's last training forward pass, which its backward pass differentiates, and
/// the LM head's outputs for it.
struct ForwardPass {
    let batchSize: Int
    let length: Int
    let tokens: [Int32]
    let targets: [Int32]
    /// The buffers the pass's LM head wrote; the next pass overwrites them.
    let head: LanguageModelHead.Activations
    /// The loss weights whose head gradient the forward pass already took, if it was given them.
    let headGradientWeights: [Float]?
    /// True once the backward pass has run.
    fileprivate(set) var differentiated = false
    var rows: Int { batchSize * length }

    init(batchSize: Int, length: Int, tokens: [Int32], targets: [Int32], head: LanguageModelHead.Activations, headGradientWeights: [Float]?) {
        (self.batchSize, self.length, self.tokens, self.targets, self.head) = (batchSize, length, tokens, targets, head)
        self.headGradientWeights = headGradientWeights
    }

    /// −log p(target) per position, [B, T]; 0 where masked.
    var nll: UnsafeBufferPointer<Float> { view(head.nll, width: 1) }

    /// The final hidden states (after the final norm), [B, T, C].
    var hiddenStates: UnsafeBufferPointer<Float> { view(head.finalNorm, width: head.channels) }

    private func view(_ buffer: FloatBuffer, width: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: buffer.pointer, count: rows * width)
    }

    /// Throws unless `tokens` and `targets` ([B, T]; target −1 masks a position) fit a model of
    /// `vocabularySize` tokens and `maxPositions` positions, which config.json calls `positionsField`.
    static func check(tokens: [Int32], targets: [Int32], batchSize: Int, length: Int, vocabularySize: Int, maxPositions: Int,
                      positionsField: String) throws {
        guard batchSize >= 1 else { throw ModelError.invalidBatch(input: "batch size", reason: "must be at least 1, is \(batchSize)") }
        guard (1...maxPositions).contains(length) else {
            throw ModelError.invalidBatch(input: "length", reason: "\(length) is outside 1...\(maxPositions) (\(positionsField))")
        }
        for (input, values) in [("tokens", tokens), ("targets", targets)] where values.count != batchSize * length {
            throw ModelError.invalidBatch(input: input, reason: "holds \(values.count) ids, expected \(batchSize) × \(length)")
        }
        let vocabulary = Int32(vocabularySize)
        if let i = tokens.firstIndex(where: { !(0..<vocabulary).contains($0) }) {
            throw ModelError.invalidBatch(input: "tokens[\(i / length)][\(i % length)]", reason: "id \(tokens[i]) is outside the vocabulary 0..<\(vocabulary)")
        }
        if let i = targets.firstIndex(where: { $0 != -1 && !(0..<vocabulary).contains($0) }) {
            throw ModelError.invalidBatch(input: "targets[\(i / length)][\(i % length)]",
                                         reason: "id \(targets[i]) is neither −1 (masked) nor inside the vocabulary 0..<\(vocabulary)")
        }
    }
}

extension ForwardPass? {
    /// The last pass, for what needs one to have run.
    var ran: ForwardPass {
        guard let self else { preconditionFailure("forward() has not run") }
        return self
    }

    /// The last pass, for a backward pass with one loss weight per position to differentiate, which
    /// runs once per forward pass, with the weights the forward pass was given if it was.
    mutating func startBackward(lossWeights: [Float]) -> ForwardPass {
        precondition(lossWeights.count == self?.rows, "backward() needs one weight per position of the last forward pass")
        var pass = ran
        precondition(!pass.differentiated, "backward() has already run for this forward pass")
        precondition(pass.headGradientWeights.map { $0 == lossWeights } ?? true,
                     "backward() needs the loss weights the forward pass took the head's gradient for")
        pass.differentiated = true
        self = pass
        return pass
    }
}
