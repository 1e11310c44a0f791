/// Why a training run ended before its last step.
public enum TrainingError: Error, CustomStringConvertible {
    /// `steps` steps in a row had a loss or gradient norm that is not finite; none was applied.
    case diverged(step: Int, loss: Double, gradientNorm: Double, steps: Int)
    /// A checkpoint was about to hold a weight that is not finite.
    case nonFiniteWeight(tensor: String, index: Int, value: Float)

    public var description: String {
        switch self {
        case let .diverged(step, loss, norm, steps):
            return "training diverged at step \(step) (loss \(loss), gradient norm \(norm)): \(steps) steps in a row were not finite "
                + "(--max-bad-steps \(steps)); none of them was applied, and every checkpoint holds finite weights"
        case let .nonFiniteWeight(tensor, index, value):
            return "weight \(index) of tensor \(tensor) is \(value): not written to a checkpoint"
        }
    }
}
