/// What one optimizer step minimises. An objective adds the gradient of the step's loss (a mean over
/// the global batch) into the model's gradient buffer; the trainer then all-reduces, clips and updates.
public protocol TrainingObjective: AnyObject {
    /// Adds ∇θ of the mean loss over the examples `batch` (indices into the training set) to
    /// `model.gradients`, in `microBatches` pieces of equal size. Every backward pass runs through
    /// `exchange` (`backwardPass(last:_:)`), and no collective may follow the last one: its reduction
    /// then owns MPI until the trainer calls `finish()`.
    func accumulateGradients(step: Int, batch: [Int], microBatches: Int, exchange: GradientExchange) throws -> ObjectiveStep
}

/// The figures of one step, before the optimizer update.
public struct ObjectiveStep: Sendable {
    /// The batch's mean loss.
    public var loss: Double
    /// Token positions run through the policy's forward and backward passes (padding included).
    public var tokens: Int
    /// Objective-specific figures for `metrics.jsonl`, by their names there.
    public var metrics: [String: Double]

    public init(loss: Double, tokens: Int, metrics: [String: Double] = [:]) {
        self.loss = loss; self.tokens = tokens; self.metrics = metrics
    }
}

extension Array {
    /// `count` consecutive slices of equal size (the count divides the length; options validate that).
    func split(into count: Int) -> [ArraySlice<Element>] {
        let size = self.count / count
        return (0..<count).map { self[$0 * size ..< ($0 + 1) * size] }
    }
}
