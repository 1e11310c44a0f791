/// Next-token cross-entropy over the response tokens (or every token of packed text): the MLE baseline.
public final class MaximumLikelihood: TrainingObjective {
    let model: any LanguageModel
    let data: TrainingSet
    let seqLen: Int
    let padding: Int32
    let layout: RankLayout
    var communicator: any Communicator { layout.world }

    public init(model: any LanguageModel, data: TrainingSet, seqLen: Int, padding: Int32, layout: RankLayout = .single) {
        self.model = model; self.data = data; self.seqLen = seqLen; self.padding = padding; self.layout = layout
    }

    public func accumulateGradients(step: Int, batch: [Int], microBatches: Int, exchange: GradientExchange) throws -> ObjectiveStep {
        let mine = Array(batch[layout.groupSlice(of: batch.count)])
        let batches = try mine.split(into: microBatches).map { try data.batch(Array($0), seqLen: seqLen, padding: padding) }
        let meanLoss = try MeanTokenLoss(batches, communicator: communicator)
        var nllSum: Double = 0, loss = 0.0
        for (index, batch) in batches.enumerated() {
            // The weights are known before the pass, so the LM head takes its gradient as it goes.
            let lossWeights = meanLoss.lossWeights(batch)
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length, lossWeights: lossWeights)
            for value in model.nll { nllSum += Double(value) }
            let last = index == batches.count - 1
            // The loss is summed over the ranks before the last backward pass hands MPI to its reduction.
            if last { loss = try meanLoss.loss(nllSum: nllSum) }
            try exchange.backwardPass(last: last) { model.backward(lossWeights: lossWeights, reduction: $0) }
        }
        return ObjectiveStep(loss: loss, tokens: batches.reduce(0) { $0 + $1.rows * $1.length })
    }
}
