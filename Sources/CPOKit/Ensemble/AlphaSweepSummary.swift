import Foundation

/// `sweep.json` of an α sweep: per α (in the order swept) the validation win rate, its 95 % interval
/// and the verifier's accuracy (null for other judges), and the α chosen.
public struct AlphaSweepSummary: Codable, Sendable, Equatable {
    public var alphas: [Double]
    public var winRate: [Double?]
    public var ci95: [[Double]]
    public var accuracy: [Double?]
    public var bestAlpha: Double
    public var judge: String
    public var data: String

    enum CodingKeys: String, CodingKey {
        case alphas, winRate = "win_rate", ci95, accuracy, bestAlpha = "best_alpha", judge, data
    }

    /// `sweep.md`: one table row per α, the chosen one marked.
    public var markdown: String {
        func figure(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
        var lines = ["| α | win rate [95 % CI] | accuracy |", "|---|---|---|"]
        for (i, alpha) in alphas.enumerated() {
            let mark = alpha == bestAlpha ? " (best)" : ""
            lines.append("| \(String(format: "%g", alpha))\(mark) | \(figure(winRate[i])) [\(figure(ci95[i][0])), \(figure(ci95[i][1]))] | \(figure(accuracy[i])) |")
        }
        lines.append("")
        lines.append("Judge: \(judge); data: \(data). Best α = \(String(format: "%g", bestAlpha)): the highest win rate, ties going to the larger α.")
        return lines.joined(separator: "\n") + "\n"
    }
}
