import Foundation

/// Linear warm-up from 0 to the peak rate over `warmupSteps`, then cosine decay to
/// `minimumRatio · peak` at `totalSteps`.
public struct LearningRateSchedule: Sendable, Equatable {
    public let peak: Double
    public let warmupSteps: Int
    public let totalSteps: Int
    public let minimumRatio: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, minimumRatio: Double = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumRatio = minimumRatio
    }

    /// The rate for optimizer step `step` (0-based).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let decaySteps = max(totalSteps - warmupSteps, 1)
        let progress = min(Double(step - warmupSteps) / Double(decaySteps), 1)
        let minimum = peak * minimumRatio
        return minimum + 0.5 * (peak - minimum) * (1 + cos(Double.pi * progress))
    }
}
