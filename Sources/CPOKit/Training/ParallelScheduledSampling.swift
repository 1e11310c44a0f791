/// Parallel scheduled sampling (PSS), a baseline against exposure bias: a teacher-forced pass
/// predicts every next token; a share `fraction` of the response's input tokens is replaced by those
/// predictions (sampled from the model at temperature 1); a second pass over the mixed inputs is
/// trained on the true targets. No gradient flows through the first pass.
public final class ParallelScheduledSampling: TrainingObjective {
    let model: any LanguageModel
    let data: TrainingSet
    let seqLen: Int
    let fraction: Double
    let seed: UInt64
    let padding: Int32
    let layout: RankLayout
    var communicator: any Communicator { layout.world }

    public init(model: any LanguageModel, data: TrainingSet, seqLen: Int, fraction: Double, seed: UInt64, padding: Int32,
                layout: RankLayout = .single) {
        self.model = model; self.data = data; self.seqLen = seqLen; self.fraction = fraction; self.seed = seed
        self.padding = padding; self.layout = layout
    }

    public func accumulateGradients(step: Int, batch: [Int], microBatches: Int, exchange: GradientExchange) throws -> ObjectiveStep {
        // Micro-batches as ranges of places in the global batch: the places key the random draws.
        let mine = layout.groupSlice(of: batch.count)
        let microSize = mine.count / microBatches
        let places = stride(from: mine.lowerBound, to: mine.upperBound, by: microSize).map { $0 ..< $0 + microSize }
        let batches = try places.map { try data.batch(Array(batch[$0]), seqLen: seqLen, padding: padding) }
        let meanLoss = try MeanTokenLoss(batches, communicator: communicator)
        let sampler = TokenSampler(options: SamplingOptions())
        var nllSum: Double = 0, replaced = 0, replaceable = 0, loss = 0.0
        for (place, batch) in zip(places, batches) {
            try model.forward(tokens: batch.inputs, targets: batch.targets, batchSize: batch.rows, length: batch.length)
            // Which inputs are replaced depends on the draws alone, so only their logits are computed.
            var replacements: [(position: Int, random: CounterRandom)] = []
            for row in 0 ..< batch.rows {
                // Input t + 1 is the token the target at t names, so it is a response token exactly
                // when that target is scored.
                for t in 0 ..< batch.length - 1 where batch.targets[row * batch.length + t] != TrainingBatch.ignoredTarget {
                    replaceable += 1
                    var random = CounterRandom(seed: seed, domain: .scheduledSampling, step: step,
                                               example: place.lowerBound + row, position: t)
                    guard Double(random.nextUniform()) < fraction else { continue }
                    replacements.append((row * batch.length + t, random))
                }
            }
            var mixed = batch.inputs
            try model.withLogits(at: replacements.map(\.position)) { i, logits in
                mixed[replacements[i].position + 1] = try sampler.sample(logits: logits, random: &replacements[i].random).token
            }
            replaced += replacements.count
            let lossWeights = meanLoss.lossWeights(batch)
            try model.forward(tokens: mixed, targets: batch.targets, batchSize: batch.rows, length: batch.length, lossWeights: lossWeights)
            for value in model.nll { nllSum += Double(value) }
            let last = place.upperBound == mine.upperBound
            // The loss is summed over the ranks before the last backward pass hands MPI to its reduction.
            if last { loss = try meanLoss.loss(nllSum: nllSum) }
            try exchange.backwardPass(last: last) { model.backward(lossWeights: lossWeights, reduction: $0) }
        }
        return ObjectiveStep(loss: loss, tokens: 2 * batches.reduce(0) { $0 + $1.rows * $1.length },
                             metrics: ["pss_replaced_fraction": Double(replaced) / Double(max(replaceable, 1))])
    }
}
