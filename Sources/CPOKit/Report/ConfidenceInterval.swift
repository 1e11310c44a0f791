/// A 95 % confidence interval, written in JSON as `[lower, upper]`.
public struct ConfidenceInterval: Decodable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public init(from decoder: Decoder) throws {
        let bounds = try [Double](from: decoder)
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "expected [lower, upper] with lower ≤ upper, got \(bounds)"))
        }
        self.init(lower: bounds[0], upper: bounds[1])
    }
}
