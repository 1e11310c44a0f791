/// Mean cross-entropy over every scored token of a global batch, the loss of MLE and PSS: each
/// target weighs 1/N, with N counted over all micro-batches and ranks, so the gradient does not
/// depend on how the batch is split.
struct MeanTokenLoss {
    let communicator: any Communicator
    /// Scored targets in the whole global batch.
    let count: Double

    init(_ batches: [TrainingBatch], communicator: any Communicator) throws {
        self.communicator = communicator
        count = try communicator.allReduceSum(Double(batches.reduce(0) { $0 + $1.targetCount }))
    }

    /// ∂loss/∂nll for each position of `batch`.
    func lossWeights(_ batch: TrainingBatch) -> [Float] {
        let weight = count > 0 ? Float(1 / count) : 0
        return batch.targets.map { $0 == TrainingBatch.ignoredTarget ? 0 : weight }
    }

    /// The batch's loss from this rank's summed nll.
    func loss(nllSum: Double) throws -> Double {
        try communicator.allReduceSum(nllSum) / max(count, 1)
    }
}
