import Foundation

/// One arm's evaluation, as `cpo eval` writes it to `summary.json`: judged wins against the
/// reference, with the arm's own likelihood and diversity figures.
public struct EvaluationSummary: Decodable, Equatable, Sendable {
    public var model: String
    public var data: String
    public var judge: String
    public var examples: Int
    public var wins: Int
    public var ties: Int
    public var losses: Int
    public var invalid: Int
    public var winRate: Double
    public var ci95: ConfidenceInterval
    /// Exact-match accuracy where the data has a verifier; null otherwise.
    public var accuracy: Double?
    public var referenceAccuracy: Double?
    public var nll: Double
    public var meanLength: Double
    public var distinct1: Double
    public var distinct2: Double
    public var repetitionRate: Double

    enum CodingKeys: String, CodingKey {
        case model, data, judge, examples, wins, ties, losses, invalid, ci95, accuracy, nll
        case winRate = "win_rate", referenceAccuracy = "reference_accuracy", meanLength = "mean_length"
        case distinct1 = "distinct_1", distinct2 = "distinct_2", repetitionRate = "repetition_rate"
    }

    public static func read(_ url: URL) throws -> EvaluationSummary { try ReportJSON.decode(Self.self, from: url) }
}
