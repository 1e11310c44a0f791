/// A 95 % confidence interval, written in JSON as `[lower, upper]`.
public struct ConfidenceInterval: Equatable, Sendable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }
}
