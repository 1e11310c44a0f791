/// `summary.json` of an evaluation: what was judged by what, the verdicts and their win rate, and
/// figures of the generations. Absent figures are written as null, never left out.
public struct EvaluationSummary: Codable, Sendable, Equatable {
    public var model: String
    public var data: String
    public var judge: String
    public var examples: Int
    public var wins: Int
    public var ties: Int
    public var losses: Int
    public var invalid: Int
    /// (wins + ½ ties) / (wins + ties + losses); nil when nothing could be judged.
    public var winRate: Double?
    /// The Wilson 95 % interval of the win rate (see `WinRate`).
    public var ci95: [Double]
    /// Share of generations the verifier accepts; nil for other judges.
    public var accuracy: Double?
    /// Share of references the verifier accepts; nil for other judges.
    public var referenceAccuracy: Double?
    /// Mean token negative log-likelihood of the references under the model.
    public var nll: Double
    public var meanLength: Double
    public var distinct1: Double
    public var distinct2: Double
    public var repetitionRate: Double

    enum CodingKeys: String, CodingKey {
        case model, data, judge, examples, wins, ties, losses, invalid
        case winRate = "win_rate", ci95, accuracy, referenceAccuracy = "reference_accuracy", nll
        case meanLength = "mean_length", distinct1 = "distinct_1", distinct2 = "distinct_2", repetitionRate = "repetition_rate"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(data, forKey: .data)
        try c.encode(judge, forKey: .judge)
        try c.encode(examples, forKey: .examples)
        try c.encode(wins, forKey: .wins)
        try c.encode(ties, forKey: .ties)
        try c.encode(losses, forKey: .losses)
        try c.encode(invalid, forKey: .invalid)
        try c.encode(winRate, forKey: .winRate)
        try c.encode(ci95, forKey: .ci95)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(referenceAccuracy, forKey: .referenceAccuracy)
        try c.encode(nll, forKey: .nll)
        try c.encode(meanLength, forKey: .meanLength)
        try c.encode(distinct1, forKey: .distinct1)
        try c.encode(distinct2, forKey: .distinct2)
        try c.encode(repetitionRate, forKey: .repetitionRate)
    }
}
