import Foundation

/// Sweeps the ensemble weight α on held-out data (DESIGN §2 leaves α open): each θ_α is built in
/// memory and evaluated, and the α with the best win rate is kept.
public enum AlphaSweep {
    public static let ensembleFolder = "ensemble"
    public static let summaryFile = "sweep.json"
    public static let tableFile = "sweep.md"

    /// `alpha-<α>`, α written as `%g` (alpha-0, alpha-0.1, alpha-1).
    public static func folderName(alpha: Double) -> String { "alpha-" + String(format: "%g", alpha) }

    public static func validate(alphas: [Double]) throws {
        guard !alphas.isEmpty else { throw OptionError(option: "alphas", value: "", allowed: "a comma-separated list of α in [0, 1]") }
        for alpha in alphas { try WeightEnsemble.validate(alpha: alpha, option: "alphas") }
        guard Set(alphas.map(folderName)).count == alphas.count else {
            throw OptionError(option: "alphas", value: alphas.map { String(format: "%g", $0) }.joined(separator: ","), allowed: "distinct values")
        }
    }

    /// The index of the best α: the highest win rate, and among equal rates the larger α, the one
    /// nearer the MLE model, so CPO's weights are taken in only where they measurably help. No rate
    /// (nothing judged) ranks below every rate.
    public static func bestIndex(alphas: [Double], winRates: [Double?]) -> Int {
        precondition(!alphas.isEmpty && alphas.count == winRates.count, "one win rate per α")
        return alphas.indices.max { (winRates[$0] ?? -1, alphas[$0]) < (winRates[$1] ?? -1, alphas[$1]) }!
    }

    /// Call on every rank. `evaluate` evaluates one model on every rank and returns the result on
    /// rank 0 (nil elsewhere); `evaluated` hears of each α as it is done. Rank 0 writes each α's
    /// files to `out/alpha-<α>/`, then the best ensemble to `out/ensemble`, `sweep.json` and
    /// `sweep.md`, and returns the summary; the other ranks return nil.
    public static func run(ensemble: WeightEnsemble, alphas: [Double], out: URL, judge: String, data: String,
                           evaluate: (any LanguageModel, _ alpha: Double) throws -> JudgedEvaluation?,
                           evaluated: (Double, JudgedEvaluation) -> Void = { _, _ in }) throws -> AlphaSweepSummary? {
        try validate(alphas: alphas)
        let model = try ensemble.model(alpha: alphas[0])
        var summaries: [EvaluationSummary] = []
        for alpha in alphas {
            try ensemble.mix(alpha: alpha, into: model)
            guard let result = try evaluate(model, alpha) else { continue }
            try result.write(to: out.appendingPathComponent(folderName(alpha: alpha)))
            summaries.append(result.summary)
            evaluated(alpha, result)
        }
        guard summaries.count == alphas.count else { return nil }
        let best = alphas[bestIndex(alphas: alphas, winRates: summaries.map(\.winRate))]
        let summary = AlphaSweepSummary(alphas: alphas, winRate: summaries.map(\.winRate), ci95: summaries.map(\.ci95),
                                        accuracy: summaries.map(\.accuracy), bestAlpha: best, judge: judge, data: data)
        try ensemble.write(alpha: best, to: out.appendingPathComponent(ensembleFolder))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(summary), to: out.appendingPathComponent(summaryFile))
        try AtomicFile.write(Data(summary.markdown.utf8), to: out.appendingPathComponent(tableFile))
        return summary
    }
}
