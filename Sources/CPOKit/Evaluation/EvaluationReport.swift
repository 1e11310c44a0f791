/// What an evaluation tells its caller as it goes; the CLI turns these into progress lines.
/// Generation and scoring count the prompts of this rank (prompt i of n is on rank i mod R);
/// judging happens on rank 0 and counts every example.
public enum EvaluationReport: Sendable {
    /// `rows` of the `examples` were longer than the model's context of `positions` and were cut as
    /// training rows are; reported only when there are some.
    case cut(rows: Int, examples: Int, positions: Int)
    case generating(done: Int, of: Int)
    /// The references' scores under the model, for the NLL.
    case scoring(done: Int, of: Int)
    case judging(done: Int, of: Int)
}
