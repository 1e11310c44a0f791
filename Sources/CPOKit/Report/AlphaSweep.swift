import Foundation

/// `sweep.json`: the win rate of an ensemble at each mixing weight α, one entry per α in every
/// list.
public struct AlphaSweep: Decodable, Equatable, Sendable {
    public var alphas: [Double]
    public var winRate: [Double]
    public var ci95: [ConfidenceInterval]
    public var accuracy: [Double?]?
    public var bestAlpha: Double
    public var judge: String
    public var data: String

    enum CodingKeys: String, CodingKey {
        case alphas, ci95, accuracy, judge, data
        case winRate = "win_rate", bestAlpha = "best_alpha"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alphas = try container.decode([Double].self, forKey: .alphas)
        winRate = try container.decode([Double].self, forKey: .winRate)
        ci95 = try container.decode([ConfidenceInterval].self, forKey: .ci95)
        accuracy = try container.decodeIfPresent([Double?].self, forKey: .accuracy)
        bestAlpha = try container.decode(Double.self, forKey: .bestAlpha)
        judge = try container.decode(String.self, forKey: .judge)
        data = try container.decode(String.self, forKey: .data)
        let counts: [(CodingKeys, Int)] = [(.winRate, winRate.count), (.ci95, ci95.count), (.accuracy, accuracy?.count ?? alphas.count)]
        if let (key, count) = counts.first(where: { $0.1 != alphas.count }) {
            throw DecodingError.dataCorrupted(.init(codingPath: [key],
                                                    debugDescription: "\(count) entries for \(alphas.count) alphas"))
        }
    }

    public static func read(_ url: URL) throws -> AlphaSweep { try ReportJSON.decode(Self.self, from: url) }
}
