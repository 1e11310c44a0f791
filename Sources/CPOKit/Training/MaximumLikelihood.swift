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
        // Every target of the global batch weighs the same, whatever micro-batch or rank it falls in.
        let targetCount = try communicator.allReduceSum(Double(batches.reduce(0) { $0 + $1.targetCount }))
        let weight = targetCount > 0 ? Float(1 / targetCount) : 0
        var nllSum: Double = 0
        for batch in batches {
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length)
            for value in model.nll { nllSum += Double(value) }
            model.backward(lossWeights: batch.targets.map { $0 == TrainingBatch.ignoredTarget ? 0 : weight })
        }
        let loss = try communicator.allReduceSum(nllSum) / max(targetCount, 1)
        return ObjectiveStep(loss: loss, tokens: batches.reduce(0) { $0 + $1.rows * $1.length })
    }
}
