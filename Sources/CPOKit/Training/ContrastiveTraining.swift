import Foundation

/// CPO (and DPO, its K = 2 case): each example's ground truth against K − 1 negatives, rewards
/// relative to the frozen reference model (DESIGN §2).
///
/// Per micro-batch of examples: make the negatives (AN samples of the whole step decode as one
/// batch), score every candidate under π_ref (skipped where sampling from π_ref already gave the
/// score, unless ranking needs π_ref's hidden states), score them under π_θ in one padded forward
/// pass, evaluate the loss, and back-propagate β·g_k through that same pass.
///
/// A negative identical to its ground truth is never run through either model: it is masked out
/// of the loss, and its scores would be the ground truth's. So duplicates cost nothing, and the
/// batch the models see is exactly the batch without them.
public final class ContrastiveTraining: TrainingObjective {
    let policy: any LanguageModel
    let reference: any LanguageModel
    let data: TrainingSet
    let options: TrainingOptions
    let objective: CPOObjective
    let negatives: NegativeFactory
    let padding: Int32
    let layout: RankLayout

    /// `dataFile` names the data in errors about its lines.
    public init(policy: any LanguageModel, reference: any LanguageModel, data: TrainingSet, options: TrainingOptions, padding: Int32,
                layout: RankLayout = .single, packsDecodeWeights: Bool = true, dataFile: String = "the training data") throws {
        guard case let .instructions(examples) = data else {
            throw OptionError(option: "objective", value: options.objective,
                              allowed: "mle or pss for plain-text data; contrastive objectives need prompt/response pairs (JSONL or --task)")
        }
        guard reference.config.isSame(as: policy.config) else {
            throw OptionError(option: "ref", value: "a model of another shape", allowed: "a reference model with the policy's config.json")
        }
        self.policy = policy
        self.reference = reference
        self.data = data
        self.options = options
        self.padding = padding
        self.layout = layout
        objective = try CPOObjective(beta: options.beta, loss: options.rankNegatives ? .ranked : .plain, nllWeight: options.nllWeight)
        let sampling = SamplingOptions(temperature: Float(options.temperature), topK: options.topK, topP: Float(options.topP),
                                       seed: options.seed)
        let mix = try NegativeMix(parsing: options.negatives)
        var negativeOptions = NegativeOptions(mix: mix, seed: options.seed, sampling: sampling,
                                              sampleLength: options.maxNewTokens.map { .fixed($0) } ?? .groundTruthPlus(8),
                                              onPolicy: options.sampleFrom == "policy", meanfieldFraction: options.meanfieldFraction)
        negativeOptions.packsDecodeWeights = packsDecodeWeights
        negatives = try NegativeFactory(options: negativeOptions, reference: reference, policy: policy, endOfText: padding)
        // Any candidate slot may draw a file negative, the last needing K − 1 of them: a line with
        // fewer would fail the run only when a batch first reaches it.
        if mix.kinds.contains(.file), let short = examples.first(where: { $0.negativeIDs.count < options.numCandidates - 1 }) {
            throw DataError.malformedLine(file: dataFile, line: short.line,
                reason: "has \(short.negativeIDs.count) negatives, but --negatives \(options.negatives) with --num-candidates \(options.numCandidates) "
                    + "needs at least \(options.numCandidates - 1) on every line")
        }
        if mix.kinds.contains(.bn), options.batchSize < options.numCandidates {
            throw OptionError(option: "batch-size", value: "\(options.batchSize)",
                              allowed: "at least --num-candidates (\(options.numCandidates)) with BN negatives, so each example has K − 1 distinct others")
        }
    }

    public func accumulateGradients(step: Int, batch: [Int], microBatches: Int, exchange: GradientExchange) throws -> ObjectiveStep {
        // Every rank knows the whole global batch (the data order is deterministic), so BN draws
        // from all of it whatever the layout; each rank makes and scores only its own candidates.
        let examples = batch.map { fitted(data.instruction($0)!) }
        let candidateCount = options.numCandidates
        let mine = layout.groupSlice(of: examples.count)
        let ownedCandidates = (0 ..< candidateCount).filter(layout.ownsCandidate)
        var clock = Date()
        func lap() -> Double { defer { clock = Date() }; return Date().timeIntervalSince(clock) }

        let slots = mine.flatMap { e in ownedCandidates.filter { $0 > 0 }.map { NegativeSlot(step: step, example: e, candidate: $0) } }
        var made: [NegativeSlot: Negative] = [:]
        for negative in try negatives.make(for: slots, in: examples) { made[negative.slot] = fitted(negative, after: examples[negative.slot.example]) }
        let sampling = lap()

        var totals = Totals()
        totals.negatives = made.count
        totals.negativeTokens = made.values.reduce(0) { $0 + $1.tokens.count }
        var referenceSeconds = 0.0, forwardBackwardSeconds = 0.0, global = Totals()
        let microSize = mine.count / microBatches
        for first in stride(from: mine.lowerBound, to: mine.upperBound, by: microSize) {
            let micro = first ..< first + microSize
            let owned = micro.flatMap { e in
                ownedCandidates.map { k in
                    CandidateRow(example: e, candidate: k, prompt: examples[e].promptIDs,
                                 continuation: k == 0 ? examples[e].responseIDs : made[NegativeSlot(step: step, example: e, candidate: k)]!.tokens)
                }
            }
            let duplicates = owned.filter { $0.candidate > 0 && $0.continuation == examples[$0.example].responseIDs }
            let rows = owned.filter { $0.candidate == 0 || $0.continuation != examples[$0.example].responseIDs }
            let freeReference: [Double?] = rows.map { row in
                row.candidate == 0 ? nil : made[NegativeSlot(step: step, example: row.example, candidate: row.candidate)]!.referenceLogProb
            }
            // π_ref runs over the rows whose score sampling did not already give, or over all of them
            // when ranking needs its hidden states.
            let referenceRows = rows.indices.filter { options.rankNegatives || freeReference[$0] == nil }
            let referenceScores = try CandidateScorer(model: reference, padding: padding)
                .score(referenceRows.map { rows[$0] }, poolHiddenStates: options.rankNegatives)
            var referenceLogProbs = freeReference
            for (i, row) in referenceRows.enumerated() { referenceLogProbs[row] = referenceScores.logProbs[i] }
            let pooled = options.rankNegatives ? referenceScores.pooledHiddenStates : []
            referenceSeconds += lap()

            let scorer = CandidateScorer(model: policy, padding: padding)
            let policyScores = try scorer.score(rows)
            let scores = try gatherScores(rows: rows, duplicates: duplicates, policy: policyScores,
                                          reference: referenceLogProbs.map { $0! }, pooled: pooled)
            let perExample = micro.map { e -> ExampleCandidates in
                let candidates = (0 ..< candidateCount).map { scores[CandidateKey(example: e, candidate: $0)]! }
                return ExampleCandidates(
                    policyLogProbs: candidates.map(\.policy), referenceLogProbs: candidates.map(\.reference),
                    included: candidates.map { !$0.duplicate },
                    order: options.rankNegatives ? SimilarityRanking.order(pooledHiddenStates: candidates.map(\.pooled)) : nil,
                    groundTruthLength: examples[e].responseIDs.count)
            }
            let evaluation = objective.evaluate(perExample)
            // `evaluate` averages over this micro-batch; its share of the global batch turns the sum
            // over micro-batches and (after the all-reduce) over data groups into the batch mean.
            let share = Double(microSize) / Double(examples.count)
            if !rows.isEmpty { totals.tokens += policy.lastPassPositions }
            if layout.shardIndex == 0 {
                let groundTruth = micro.map { scores[CandidateKey(example: $0, candidate: 0)]!.meanTokenLogProb }
                totals.add(evaluation, examples: perExample, groundTruthTokenLogProbs: groundTruth, share: share)
            }
            let last = micro.upperBound == mine.upperBound
            // The figures are summed over the ranks before the last backward pass hands MPI to its reduction.
            if last { global = Totals(vector: try layout.world.allReduceSum(totals.vector)) }
            let scoreGradients = rows.map { evaluation.scoreGradients[$0.example - first][$0.candidate] * share }
            try exchange.backwardPass(last: last) { scorer.backward(scoreGradients: scoreGradients, reduction: $0) }
            forwardBackwardSeconds += lap()
        }
        return ObjectiveStep(loss: global.loss, tokens: totals.tokens, metrics: [
            "reward_accuracy": global.rewardAccuracy, "reward_margin": global.rewardMargin,
            "negative_length_mean": Double(global.negativeTokens) / Double(max(global.negatives, 1)),
            "duplicate_negatives": Double(global.duplicates), "gt_token_logprob": global.groundTruthTokenLogProb,
            "contrastive_loss": global.contrastiveLoss, "sampling_s": sampling, "reference_s": referenceSeconds,
            "forward_backward_s": forwardBackwardSeconds,
        ])
    }

    struct CandidateKey: Hashable {
        let example: Int
        let candidate: Int
    }

    /// One candidate's scalars, as the shards of a data group exchange them.
    struct CandidateScore {
        var policy: Double
        var reference: Double
        var meanTokenLogProb: Double
        var duplicate: Bool
        var pooled: [Float]
    }

    /// All-gathers within the data group the scores of every rank's rows, so every shard holds all K
    /// candidates of each example of the micro-batch. Each row travels as [example, candidate, s_θ,
    /// s_ref, mean token log-prob, duplicate, pooled hidden state…]; a duplicate travels as its key
    /// alone and takes the scores of its ground truth, which it equals.
    private func gatherScores(rows: [CandidateRow], duplicates: [CandidateRow], policy: CandidateScores, reference: [Double],
                              pooled: [[Float]]) throws -> [CandidateKey: CandidateScore] {
        let pooledWidth = options.rankNegatives ? self.policy.config.hiddenSize : 0
        let width = 6 + pooledWidth
        var local: [Double] = []
        local.reserveCapacity((rows.count + duplicates.count) * width)
        for (i, row) in rows.enumerated() {
            local += [Double(row.example), Double(row.candidate), policy.logProbs[i], reference[i], policy.meanTokenLogProbs[i], 0]
            if pooledWidth > 0 { local += pooled[i].map(Double.init) }
        }
        for row in duplicates { local += [Double(row.example), Double(row.candidate), 0, 0, 0, 1] + Array(repeating: 0, count: pooledWidth) }
        var scores: [CandidateKey: CandidateScore] = [:]
        for part in try layout.group.allGatherVariable(local) {
            for start in stride(from: 0, to: part.count, by: width) {
                let values = Array(part[start ..< start + width])
                scores[CandidateKey(example: Int(values[0]), candidate: Int(values[1]))] = CandidateScore(
                    policy: values[2], reference: values[3], meanTokenLogProb: values[4], duplicate: values[5] != 0,
                    pooled: values[6...].map(Float.init))
            }
        }
        for (key, score) in scores where score.duplicate {
            var copy = scores[CandidateKey(example: key.example, candidate: 0)]!
            copy.duplicate = true
            scores[key] = copy
        }
        return scores
    }

    /// The example cut to `seq-len` positions by the same rule as MLE rows.
    private func fitted(_ example: InstructionExample) -> InstructionExample {
        let fit = SequenceFit(promptCount: example.promptIDs.count, continuationCount: example.responseIDs.count,
                              capacity: options.seqLen + 1)
        guard fit.isCut else { return example }
        return InstructionExample(promptIDs: Array(example.promptIDs.suffix(fit.promptKept)),
                                  responseIDs: Array(example.responseIDs.prefix(fit.continuationKept)),
                                  negativeIDs: example.negativeIDs, text: example.text, line: example.line)
    }

    /// A negative cut, like the ground truth, to the `seq-len` positions left after the example's
    /// (fitted) prompt: another example's response (BN) or a given one (file) can be longer. A cut
    /// sample's free reference score no longer applies, so it is scored again.
    private func fitted(_ negative: Negative, after example: InstructionExample) -> Negative {
        let room = options.seqLen + 1 - example.promptIDs.count
        guard negative.tokens.count > room else { return negative }
        return Negative(slot: negative.slot, kind: negative.kind, tokens: Array(negative.tokens.prefix(room)))
    }

    /// Figures summed over the micro-batches of a step, and over ranks as a vector: each data
    /// group's shard 0 adds its examples' figures, every rank its own tokens and negatives.
    private struct Totals {
        var loss = 0.0, contrastiveLoss = 0.0, tokens = 0, duplicates = 0, negatives = 0, negativeTokens = 0
        var wins = 0, contested = 0, marginSum = 0.0, groundTruthLogProbSum = 0.0, examples = 0

        init() {}

        var rewardAccuracy: Double { contested > 0 ? Double(wins) / Double(contested) : 0 }
        var rewardMargin: Double { contested > 0 ? marginSum / Double(contested) : 0 }
        var groundTruthTokenLogProb: Double { examples > 0 ? groundTruthLogProbSum / Double(examples) : 0 }

        var vector: [Double] {
            [loss, contrastiveLoss, Double(tokens), Double(duplicates), Double(negatives), Double(negativeTokens), Double(wins),
             Double(contested), marginSum, groundTruthLogProbSum, Double(examples)]
        }

        init(vector v: [Double]) {
            (loss, contrastiveLoss, marginSum, groundTruthLogProbSum) = (v[0], v[1], v[8], v[9])
            (tokens, duplicates, negatives, negativeTokens) = (Int(v[2]), Int(v[3]), Int(v[4]), Int(v[5]))
            (wins, contested, examples) = (Int(v[6]), Int(v[7]), Int(v[10]))
        }

        /// An example counts for reward accuracy when it has a negative left after duplicates are
        /// masked; it wins when r₁ is larger than every such negative's reward, by the margin r₁ − max.
        mutating func add(_ evaluation: CPOBatchLoss, examples perExample: [ExampleCandidates], groundTruthTokenLogProbs: [Double],
                          share: Double) {
            loss += evaluation.loss * share
            contrastiveLoss += evaluation.contrastiveLoss * share
            duplicates += evaluation.duplicateNegatives
            groundTruthLogProbSum += groundTruthTokenLogProbs.reduce(0, +)
            examples += perExample.count
            for (rewards, example) in zip(evaluation.rewards, perExample) {
                let others = rewards.indices.dropFirst().filter { example.included[$0] }.map { rewards[$0] }
                guard let best = others.max() else { continue }
                contested += 1
                marginSum += rewards[0] - best
                if rewards[0] > best { wins += 1 }
            }
        }
    }
}
