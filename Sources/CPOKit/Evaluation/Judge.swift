/// Compares each generation with its example's reference continuation: win, tie, loss, or invalid.
public protocol Judge {
    /// The name `--judge` takes and `summary.json` records.
    var name: String { get }
    /// Whether the judge can judge token ids that have no text: those of a model folder without
    /// tokenizer files. A judge that reads texts cannot.
    var judgesTokenIDs: Bool { get }
    /// Throws, before anything is generated, when an example cannot be judged at all.
    func check(_ examples: [EvaluationExample]) throws
    /// One judgement per example: `generations[i]` (the text, and the tokens the model generated,
    /// end-of-text removed) against `examples[i].reference`. `judged` hears how many examples have
    /// their judgement so far, one call at a time.
    func judge(_ examples: [EvaluationExample], generations: [String], generationIDs: [[Int32]],
               judged: (Int) -> Void) throws -> [Judgement]
}

/// A judge of texts.
public protocol TextJudge: Judge {
    func judge(_ examples: [EvaluationExample], generations: [String], judged: (Int) -> Void) throws -> [Judgement]
}

extension Judge {
    public var judgesTokenIDs: Bool { false }
    public func check(_ examples: [EvaluationExample]) throws {}

    public func judge(_ examples: [EvaluationExample], generations: [String], generationIDs: [[Int32]]) throws -> [Judgement] {
        try judge(examples, generations: generations, generationIDs: generationIDs, judged: { _ in })
    }
}

extension TextJudge {
    public func judge(_ examples: [EvaluationExample], generations: [String], generationIDs: [[Int32]],
                      judged: (Int) -> Void) throws -> [Judgement] {
        try judge(examples, generations: generations, judged: judged)
    }

    public func judge(_ examples: [EvaluationExample], generations: [String]) throws -> [Judgement] {
        try judge(examples, generations: generations, judged: { _ in })
    }
}
