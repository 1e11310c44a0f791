/// Compares each generation with its example's reference continuation: win, tie, loss, or invalid.
public protocol Judge {
    /// The name `--judge` takes and `summary.json` records.
    var name: String { get }
    /// Throws, before anything is generated, when an example cannot be judged at all.
    func check(_ examples: [EvaluationExample]) throws
    /// One judgement per example: `generations[i]` against `examples[i].reference`.
    func judge(_ examples: [EvaluationExample], generations: [String]) throws -> [Judgement]
}

extension Judge {
    public func check(_ examples: [EvaluationExample]) throws {}
}
