/// Why a training run ended before its last step.
public enum TrainingError: Error, CustomStringConvertible {
    /// `steps` steps in a row had a loss or gradient norm that is not finite; none was applied.
    case diverged(step: Int, loss: Double, gradientNorm: Double, steps: Int)
    /// A checkpoint was about to hold a weight that is not finite.
    case nonFiniteWeight(tensor: String, index: Int, value: Float)
    /// `--resume` found a checkpoint of a different run: each difference reads `--option GIVEN (saved SAVED)`.
    case resumeMismatch(checkpoint: String, differences: [String])
    /// `--resume` with `--steps` below the step the checkpoint already reached.
    case stepsBelowCheckpoint(checkpoint: String, step: Int, steps: Int)

    public var description: String {
        switch self {
        case let .diverged(step, loss, norm, steps):
            return "training diverged at step \(step) (loss \(loss), gradient norm \(norm)): \(steps) steps in a row were not finite "
                + "(--max-bad-steps \(steps)); none of them was applied, and every checkpoint holds finite weights"
        case let .nonFiniteWeight(tensor, index, value):
            return "weight \(index) of tensor \(tensor) is \(value): not written to a checkpoint"
        case let .resumeMismatch(checkpoint, differences):
            return "\(checkpoint) was saved by a run with other settings, so --resume would not continue it: "
                + differences.joined(separator: "; ") + " (give the saved values, or another --out)"
        case let .stepsBelowCheckpoint(checkpoint, step, steps):
            return "--steps \(steps) is below step \(step), which \(checkpoint) already reached: give --steps \(step) or more to continue it"
        }
    }
}
