import CPOKit
import Foundation

extension EvaluationSummary {
    /// The summary in one line for the terminal.
    var line: String {
        var parts = [winRate.map { String(format: "win rate %.3f [%.3f, %.3f]", $0, ci95[0], ci95[1]) } ?? "win rate: nothing judged"]
        parts.append("\(wins) wins / \(ties) ties / \(losses) losses of \(examples)" + (invalid > 0 ? ", \(invalid) invalid" : ""))
        if let accuracy { parts.append(String(format: "accuracy %.3f", accuracy)) }
        if let referenceAccuracy { parts.append(String(format: "reference accuracy %.3f", referenceAccuracy)) }
        parts.append(String(format: "NLL %.4f | mean length %.1f | distinct-1 %.3f | distinct-2 %.3f | repetition %.3f",
                            nll, meanLength, distinct1, distinct2, repetitionRate))
        return parts.joined(separator: " | ")
    }
}
