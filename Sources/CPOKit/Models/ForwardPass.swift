/// The batch of a model's last training forward pass, which its backward pass differentiates.
struct ForwardPass {
    let batchSize: Int
    let length: Int
    let tokens: [Int32]
    let targets: [Int32]
    /// False once the backward pass has overwritten the logits with their gradient.
    var logitsValid = true
    var rows: Int { batchSize * length }

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
