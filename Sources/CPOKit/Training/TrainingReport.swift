import Foundation

/// What a training run tells its caller as it goes; the CLI turns these into a progress line.
public enum TrainingReport: Sendable {
    /// The run continues from a checkpoint (`--resume`), or starts from scratch because none was found.
    case resumed(step: Int, from: URL)
    case noCheckpointToResume(runDirectory: URL)
    /// A checkpoint newer than the one resumed (or than none) is incomplete or damaged, and was skipped.
    case passedOver(CheckpointError)
    case step(StepMetrics)
    /// A held-out evaluation at `step` is under way: `done` of this rank's `of` examples.
    case evaluating(step: Int, done: Int, of: Int)
    case evaluated(EvaluationResult)
    case saved(URL)
    /// A stop was requested: the run ended after `step`, whose checkpoint holds it.
    case stopped(step: Int, checkpoint: URL)
}

/// One optimizer step, as written to `metrics.jsonl`.
public struct StepMetrics: Sendable {
    /// 1-based: the number of optimizer steps completed with this one.
    public var step: Int
    public var totalSteps: Int
    /// The batch's mean loss before this step's update.
    public var loss: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Token positions processed (rows × length, padding included) per second over this step.
    public var tokensPerSecond: Double
    public var seconds: Double
    /// Seconds since the run (or its resumption) started.
    public var elapsed: Double
    /// Estimated seconds to the end, from the mean step time so far.
    public var remaining: Double
    /// The objective's own figures (e.g. `reward_accuracy`), by their names in `metrics.jsonl`.
    public var extra: [String: Double]

    var record: [String: Any] {
        var record: [String: Any] = ["step": step, "loss": loss, "lr": learningRate, "grad_norm": gradientNorm,
                                     "tokens_per_s": tokensPerSecond, "step_s": seconds, "elapsed_s": elapsed]
        for (key, value) in extra { record[key] = value }
        return record
    }
}

/// A held-out evaluation.
public struct EvaluationResult: Sendable {
    public var step: Int
    /// Mean negative log-likelihood per target token on the held-out examples.
    public var loss: Double
    public var examples: Int
    /// Share of held-out prompts whose greedy continuation the task's verifier accepts (built-in
    /// tasks only).
    public var accuracy: Double?
    public var accuracyExamples: Int

    var record: [String: Any] {
        var record: [String: Any] = ["step": step, "eval_loss": loss, "eval_examples": examples]
        if let accuracy { record["eval_accuracy"] = accuracy; record["eval_accuracy_examples"] = accuracyExamples }
        return record
    }
}
