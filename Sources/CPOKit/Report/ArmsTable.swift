/// The report's table of evaluated arms: the win rate with its interval and counts, beside each
/// arm's own accuracy, likelihood, length and diversity figures.
struct ArmsTable {
    var arms: [(run: RunRecord, colour: String, summary: EvaluationSummary)]

    var section: String {
        guard !arms.isEmpty else {
            return "<section id=\"arms\">\n<h2>Arms</h2>\n<p class=\"note\">\(ReportPage.noSummaryNote.htmlEscaped)</p>\n</section>"
        }
        let rows = arms.map { run, colour, summary -> String in
            "<tr><td>\(ReportPage.swatch(colour))\(run.name.htmlEscaped)</td>"
                + Self.cells(summary).map { "<td>\($0.htmlEscaped)</td>" }.joined() + "</tr>"
        }
        return """
            <section id="arms">
            <h2>Arms</h2>
            <div class="table-scroll">
            <table class="arms">
            <tr>\((["arm"] + Self.header).map { "<th>\($0.htmlEscaped)</th>" }.joined())</tr>
            \(rows.joined(separator: "\n"))
            </table>
            </div>
            <p class="caption">\(caption.htmlEscaped)</p>
            </section>
            """
    }

    private var caption: String {
        let references = arms.compactMap(\.summary.referenceAccuracy).map { ReportPage.number($0) }
        return "n: examples judged; W / T / L: wins, ties and losses against the reference. "
            + ReportPage.judged(arms.map(\.summary.judge), on: arms.map(\.summary.data))
            + (references.isEmpty ? "" : " Reference accuracy: \(Array(Set(references)).sorted().joined(separator: ", ")).")
    }

    /// The same table in Markdown, for results files; the caption follows it.
    var markdown: String {
        let header = ["arm"] + Self.header.map { $0.replacingOccurrences(of: "\u{2011}", with: "-") }
        let lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
            + arms.map { arm in "| " + ([arm.run.name] + Self.cells(arm.summary)).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n\n" + caption + "\n"
    }

    // Non-breaking hyphens: a header may wrap between words, never inside "distinct-1".
    private static let header = ["n", "win rate [95 % CI]", "W / T / L / invalid", "accuracy", "NLL", "mean length",
                                 "distinct\u{2011}1", "distinct\u{2011}2", "repetition"]

    private static func cells(_ summary: EvaluationSummary) -> [String] {
        [
            "\(summary.examples)",
            summary.winRate.map { ReportPage.number($0) + " [\(ReportPage.number(summary.interval.lower)), \(ReportPage.number(summary.interval.upper))]" }
                ?? "– (nothing judged)",
            "\(summary.wins) / \(summary.ties) / \(summary.losses) / \(summary.invalid)",
            summary.accuracy.map { ReportPage.number($0) } ?? "–",
            ReportPage.number(summary.nll),
            ReportPage.number(summary.meanLength, decimals: 1),
            ReportPage.number(summary.distinct1),
            ReportPage.number(summary.distinct2),
            ReportPage.number(summary.repetitionRate),
        ]
    }
}
