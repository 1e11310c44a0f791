import Foundation

/// CPO (and DPO, its K = 2 case): each example's ground truth against K − 1 negatives, rewards
/// relative to the frozen reference model (DESIGN §2).
///
/// Per micro-batch of examples: make the negatives (AN samples of the whole step decode as one
/// batch), score every candidate under π_ref (skipped where sampling from π_ref already gave the
/// score, unless ranking needs π_ref's hidden states), score them under π_θ in one padded forward
/// pass, evaluate the loss, and back-propagate β·g_k through that same pass.
public final class ContrastiveTraining: TrainingObjective {
    let policy: GPT2
    let reference: GPT2
    let data: TrainingSet
    let options: TrainingOptions
    let objective: CPOObjective
    let negatives: NegativeFactory
    let padding: Int32

    public init(policy: GPT2, reference: GPT2, data: TrainingSet, options: TrainingOptions, padding: Int32) throws {
        guard case .instructions = data else {
            throw OptionError(option: "objective", value: options.objective,
                              allowed: "mle or pss for plain-text data; contrastive objectives need prompt/response pairs (JSONL or --task)")
        }
        guard reference.config == policy.config else {
            throw OptionError(option: "ref", value: "a model of another shape", allowed: "a reference model with the policy's config.json")
        }
        self.policy = policy
        self.reference = reference
        self.data = data
        self.options = options
        self.padding = padding
        objective = try CPOObjective(beta: options.beta, loss: options.rankNegatives ? .ranked : .plain, nllWeight: options.nllWeight)
        let sampling = SamplingOptions(temperature: Float(options.temperature), topK: options.topK, topP: Float(options.topP),
                                       seed: options.seed)
        negatives = try NegativeFactory(
            options: NegativeOptions(mix: try NegativeMix(parsing: options.negatives), seed: options.seed, sampling: sampling,
                                     sampleLength: options.maxNewTokens.map { .fixed($0) } ?? .groundTruthPlus(8),
                                     onPolicy: options.sampleFrom == "policy", meanfieldFraction: options.meanfieldFraction),
            reference: reference, policy: policy, endOfText: padding)
        if try NegativeMix(parsing: options.negatives).kinds.contains(.bn), options.batchSize < options.numCandidates {
            throw OptionError(option: "batch-size", value: "\(options.batchSize)",
                              allowed: "at least --num-candidates (\(options.numCandidates)) with BN negatives, so each example has K − 1 distinct others")
        }
    }

    public func accumulateGradients(step: Int, batch: [Int], microBatches: Int) throws -> ObjectiveStep {
        let examples = batch.map { fitted(data.instruction($0)!) }
        var clock = Date()
        func lap() -> Double { defer { clock = Date() }; return Date().timeIntervalSince(clock) }

        let candidateCount = options.numCandidates
        let slots = examples.indices.flatMap { e in (1 ..< candidateCount).map { NegativeSlot(step: step, example: e, candidate: $0) } }
        let made = try negatives.make(for: slots, in: examples)
        let sampling = lap()

        var totals = Totals()
        totals.negativeTokens = made.reduce(0) { $0 + $1.tokens.count }
        totals.negatives = made.count
        var referenceSeconds = 0.0, forwardBackwardSeconds = 0.0
        let share = Double(examples.count / microBatches) / Double(examples.count)
        let microSize = examples.count / microBatches
        for first in stride(from: 0, to: examples.count, by: microSize) {
            let micro = first ..< first + microSize
            let rows = candidateRows(examples, micro, made)
            let freeReference: [Double?] = rows.map { row in
                row.candidate == 0 ? nil : made[negativeIndex(example: first + row.example, candidate: row.candidate)].referenceLogProb
            }
            let needsReferencePass = options.rankNegatives || freeReference.contains { $0 == nil }
            let referenceScores = needsReferencePass
                ? try CandidateScorer(model: reference, padding: padding).score(rows, poolHiddenStates: options.rankNegatives) : nil
            referenceSeconds += lap()

            let scorer = CandidateScorer(model: policy, padding: padding)
            let policyScores = try scorer.score(rows)
            let perExample = (0 ..< microSize).map { i -> ExampleCandidates in
                let range = i * candidateCount ..< (i + 1) * candidateCount
                let referenceLogProbs: [Double] = range.map { freeReference[$0] ?? referenceScores!.logProbs[$0] }
                let order: [Int]? = options.rankNegatives
                    ? SimilarityRanking.order(pooledHiddenStates: Array(referenceScores!.pooledHiddenStates[range])) : nil
                return ExampleCandidates(
                    policyLogProbs: Array(policyScores.logProbs[range]), referenceLogProbs: referenceLogProbs,
                    included: DuplicateNegatives.includedMask(candidates: range.map { rows[$0].continuation }),
                    order: order, groundTruthLength: rows[range.lowerBound].continuation.count)
            }
            let evaluation = objective.evaluate(perExample)
            // `evaluate` averages over this micro-batch; scaling by its share of the batch makes the
            // sum over micro-batches the batch mean.
            scorer.backward(scoreGradients: evaluation.scoreGradients(for: rows).map { $0 * share })
            forwardBackwardSeconds += lap()
            totals.add(evaluation, examples: perExample, policyScores: policyScores, candidates: candidateCount,
                       tokens: policy.pass.map { $0.rows } ?? 0, share: share)
        }
        return ObjectiveStep(loss: totals.loss, tokens: totals.tokens, metrics: [
            "reward_accuracy": totals.rewardAccuracy, "reward_margin": totals.rewardMargin,
            "negative_length_mean": Double(totals.negativeTokens) / Double(max(totals.negatives, 1)),
            "duplicate_negatives": Double(totals.duplicates), "gt_token_logprob": totals.groundTruthTokenLogProb,
            "contrastive_loss": totals.contrastiveLoss, "sampling_s": sampling, "reference_s": referenceSeconds,
            "forward_backward_s": forwardBackwardSeconds,
        ])
    }

    /// Where negative k (1…K−1) of example e sits in the step's list of negatives.
    private func negativeIndex(example: Int, candidate: Int) -> Int { example * (options.numCandidates - 1) + candidate - 1 }

    /// The rows of the examples `micro`: for each, the ground truth (candidate 0) then its negatives;
    /// `example` counts from the micro-batch's start, as `CPOObjective.evaluate` indexes them.
    private func candidateRows(_ examples: [InstructionExample], _ micro: Range<Int>, _ made: [Negative]) -> [CandidateRow] {
        var rows: [CandidateRow] = []
        for e in micro {
            let example = examples[e]
            rows.append(CandidateRow(example: e - micro.lowerBound, candidate: 0, prompt: example.promptIDs, continuation: example.responseIDs))
            for k in 1 ..< options.numCandidates {
                rows.append(CandidateRow(example: e - micro.lowerBound, candidate: k, prompt: example.promptIDs,
                                         continuation: made[negativeIndex(example: e, candidate: k)].tokens))
            }
        }
        return rows
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

    /// Figures summed over the micro-batches of a step.
    private struct Totals {
        var loss = 0.0, contrastiveLoss = 0.0, tokens = 0, duplicates = 0, negatives = 0, negativeTokens = 0
        var wins = 0, contested = 0, marginSum = 0.0, groundTruthLogProbSum = 0.0, examples = 0

        var rewardAccuracy: Double { contested > 0 ? Double(wins) / Double(contested) : 0 }
        var rewardMargin: Double { contested > 0 ? marginSum / Double(contested) : 0 }
        var groundTruthTokenLogProb: Double { examples > 0 ? groundTruthLogProbSum / Double(examples) : 0 }

        /// An example counts for reward accuracy when it has a negative left after duplicates are
        /// masked; it wins when r₁ is larger than every such negative's reward, by the margin r₁ − max.
        mutating func add(_ evaluation: CPOBatchLoss, examples perExample: [ExampleCandidates], policyScores: CandidateScores,
                          candidates: Int, tokens: Int, share: Double) {
            loss += evaluation.loss * share
            contrastiveLoss += evaluation.contrastiveLoss * share
            self.tokens += tokens
            duplicates += evaluation.duplicateNegatives
            for (i, (rewards, example)) in zip(evaluation.rewards, perExample).enumerated() {
                groundTruthLogProbSum += policyScores.meanTokenLogProbs[i * candidates]
                examples += 1
                let others = rewards.indices.dropFirst().filter { example.included[$0] }.map { rewards[$0] }
                guard let best = others.max() else { continue }
                contested += 1
                marginSum += rewards[0] - best
                if rewards[0] > best { wins += 1 }
            }
        }
    }
}
