import Foundation

// The report reads the files `cpo eval` and `cpo sweep-alpha` write, through their own types, and
// checks what the types cannot: intervals of two bounds, one entry per α.

extension EvaluationSummary {
    static func read(_ url: URL) throws -> EvaluationSummary {
        let summary = try ReportJSON.decode(Self.self, from: url)
        _ = try ConfidenceInterval(summary.ci95, field: "ci95", in: url)
        return summary
    }

    var interval: ConfidenceInterval { ConfidenceInterval(lower: ci95[0], upper: ci95[1]) }
}

extension AlphaSweepSummary {
    static func read(_ url: URL) throws -> AlphaSweepSummary {
        let sweep = try ReportJSON.decode(Self.self, from: url)
        let counts = [("win_rate", sweep.winRate.count), ("ci95", sweep.ci95.count), ("accuracy", sweep.accuracy.count)]
        if let (field, count) = counts.first(where: { $0.1 != sweep.alphas.count }) {
            throw ReportJSON.invalid(field: field, reason: "\(count) entries for \(sweep.alphas.count) alphas", in: url)
        }
        for bounds in sweep.ci95 { _ = try ConfidenceInterval(bounds, field: "ci95", in: url) }
        return sweep
    }

    func interval(at index: Int) -> ConfidenceInterval { ConfidenceInterval(lower: ci95[index][0], upper: ci95[index][1]) }
}

extension ConfidenceInterval {
    /// `[lower, upper]` as a JSON file gives it.
    init(_ bounds: [Double], field: String, in url: URL) throws {
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
            throw ReportJSON.invalid(field: field, reason: "expected [lower, upper] with lower ≤ upper, got \(bounds)", in: url)
        }
        self.init(lower: bounds[0], upper: bounds[1])
    }
}
