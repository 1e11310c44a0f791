/// Next-token cross-entropy over the response tokens (or every token of packed text): the MLE baseline.
public final class MaximumLikelihood: TrainingObjective {
    let model: GPT2
    let data: TrainingSet
    let seqLen: Int
    let padding: Int32
    let layout: RankLayout
    var communicator: any Communicator { layout.world }

    public init(model: GPT2, data: TrainingSet, seqLen: Int, padding: Int32, layout: RankLayout = .single) {
        self.model = model; self.data = data; self.seqLen = seqLen; self.padding = padding; self.layout = layout
    }

    public func accumulateGradients(step: Int, batch: [Int], microBatches: Int) throws -> ObjectiveStep {
        let mine = Array(batch[layout.groupSlice(of: batch.count)])
        let batches = try mine.split(into: microBatches).map { try data.batch(Array($0), seqLen: seqLen, padding: padding) }
        let meanLoss = try MeanTokenLoss(batches, communicator: communicator)
        var nllSum: Double = 0
        for batch in batches {
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length)
            for value in model.nll { nllSum += Double(value) }
            model.backward(lossWeights: meanLoss.lossWeights(batch))
        }
        let loss = try meanLoss.loss(nllSum: nllSum)
        return ObjectiveStep(loss: loss, tokens: batches.reduce(0) { $0 + $1.rows * $1.length })
    }
}
