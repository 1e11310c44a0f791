/// How the model continues the held-out prompts.
public struct EvaluationOptions: Sendable {
    public var sampling: SamplingOptions
    /// Prompts decoded together, and references scored together, on each rank.
    public var batchSize: Int

    public init(sampling: SamplingOptions, batchSize: Int = 16) {
        self.sampling = sampling
        self.batchSize = batchSize
    }
}

/// Generates a continuation of every held-out prompt and judges it against the reference.
///
/// With several ranks, prompt i is continued (and its reference scored) on rank i mod R; the
/// generated tokens and scores are gathered to rank 0, which alone judges. Sample i draws from
/// stream (0, i, 0) whatever the rank, so the layout of ranks changes nothing.
public enum Evaluation {
    /// The default `--max-new-tokens`: the longest reference and a few tokens more, within the
    /// model's `context`.
    public static func defaultMaxNewTokens(_ examples: [EvaluationExample], context: Int) -> Int {
        min((examples.map(\.referenceIDs.count).max() ?? 1) + 8, context)
    }

    /// Runs on every rank; `judge` is needed on rank 0 only. Returns the result on rank 0, nil on
    /// the others. `modelLabel` and `dataLabel` name the model and data in the summary; `report`
    /// hears of each phase as it goes, on every rank.
    public static func run(model: any LanguageModel, tokenizer: any Tokenizer, examples: [EvaluationExample], judge: (any Judge)?,
                           options: EvaluationOptions, communicator: any Communicator,
                           modelLabel: String, dataLabel: String, report: (EvaluationReport) -> Void = { _ in }) throws -> JudgedEvaluation? {
        try options.sampling.validate(context: model.config.maxPositions)
        precondition(options.batchSize >= 1, "batch size must be at least 1")
        // Rows longer than the context are cut as training rows are, not refused: held-out data is
        // the training data's kind.
        let examples = examples.map { $0.fitted(to: model.config.maxPositions) }
        let cut = examples.filter(\.isCut).count
        if cut > 0 { report(.cut(rows: cut, examples: examples.count, positions: model.config.maxPositions)) }
        if communicator.rank == 0 {
            guard let judge else { preconditionFailure("rank 0 judges and needs a judge") }
            if let reason = tokenizer.textUnavailable, !judge.judgesTokenIDs {
                throw EvaluationError.judgeNeedsText(judge: judge.name, reason: reason)
            }
            try judge.check(examples)
        }
        let byRank = RoundRobinShare(count: examples.count, over: communicator)
        let mine = byRank.items
        let continuations: [Continuation]
        do {
            continuations = try Generator(model: model, endOfText: tokenizer.endOfText).generate(
                prompts: examples.map(\.promptIDs), items: mine, options: options.sampling, batchSize: options.batchSize,
                generated: { report(.generating(done: $0, of: mine.count)) })
        } catch let error as NonFiniteLogitsError {
            guard let index = error.stream?.example else { throw error }
            throw InputLineError(file: examples[index].file, line: examples[index].line, reason: NonFiniteLogitsError(position: error.position))
        }
        let scores = try SequenceScorer.score(model: model, pairs: mine.map { (examples[$0].promptIDs, examples[$0].referenceIDs) },
                                              batchSize: options.batchSize, padding: tokenizer.endOfText,
                                              scored: { report(.scoring(done: $0, of: mine.count)) })
        let generated = try byRank.gather(continuations.map(\.tokens))
        let nll = try byRank.gather(scores.map { [-$0.logProb] }).map { $0[0] }
        let nllTokens = try byRank.gather(scores.map { [Int32($0.tokenLogProbs.count)] }).map { Int($0[0]) }
        guard communicator.rank == 0, let judge else { return nil }

        let endOfText = tokenizer.endOfText
        let content = generated.map { $0.last == endOfText ? Array($0.dropLast()) : $0 }
        let texts = content.map { tokenizer.decode($0) }
        report(.judging(done: 0, of: examples.count))
        let judgements = try judge.judge(examples, generations: texts, generationIDs: content,
                                         judged: { report(.judging(done: $0, of: examples.count)) })
        precondition(judgements.count == examples.count, "the judge must judge every example")

        let records = examples.indices.map { i in
            EvaluationRecord(index: i, line: examples[i].line, prompt: examples[i].prompt, generation: texts[i], reference: examples[i].reference,
                             verdict: judgements[i].verdict, judge: judgements[i].details, generationTokens: content[i].count,
                             endedWithEndOfText: generated[i].last == endOfText, referenceNLL: nll[i] / Double(max(nllTokens[i], 1)))
        }
        func share(_ flags: [Bool?]) -> Double? {
            let known = flags.compactMap { $0 }
            return known.isEmpty ? nil : Double(known.filter { $0 }.count) / Double(known.count)
        }
        let winRate = WinRate(judgements.map(\.verdict))
        let statistics = GenerationStatistics(content)
        let summary = EvaluationSummary(
            model: modelLabel, data: dataLabel, judge: judge.name, examples: examples.count, wins: winRate.wins, ties: winRate.ties,
            losses: winRate.losses, invalid: winRate.invalid, winRate: winRate.rate, ci95: winRate.interval,
            accuracy: share(judgements.map(\.generationCorrect)), referenceAccuracy: share(judgements.map(\.referenceCorrect)),
            nll: nll.reduce(0, +) / Double(max(nllTokens.reduce(0, +), 1)), meanLength: statistics.meanLength,
            distinct1: statistics.distinct1, distinct2: statistics.distinct2, repetitionRate: statistics.repetitionRate)
        return JudgedEvaluation(records: records, summary: summary)
    }
}
