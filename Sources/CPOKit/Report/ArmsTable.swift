/// The report's table of evaluated arms: the win rate with its interval and counts, beside each
/// arm's own accuracy, likelihood, length and diversity figures.
struct ArmsTable {
    var arms: [(run: RunRecord, colour: String, summary: EvaluationSummary)]

    var section: String {
        guard !arms.isEmpty else {
            return "<section id=\"arms\">\n<h2>Arms</h2>\n<p class=\"note\">\(ReportPage.noSummaryNote.htmlEscaped)</p>\n</section>"
        }
        // Non-breaking hyphens: a header may wrap between words, never inside "distinct-1".
        let header = ["arm", "n", "win rate [95 % CI]", "W / T / L / invalid", "accuracy", "NLL", "mean length",
                      "distinct\u{2011}1", "distinct\u{2011}2", "repetition"]
        let rows = arms.map { run, colour, summary -> String in
            let cells = [
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
            return "<tr><td>\(ReportPage.swatch(colour))\(run.name.htmlEscaped)</td>"
                + cells.map { "<td>\($0.htmlEscaped)</td>" }.joined() + "</tr>"
        }
        let references = arms.compactMap(\.summary.referenceAccuracy).map { ReportPage.number($0) }
        let caption = ReportPage.judged(arms.map(\.summary.judge), on: arms.map(\.summary.data))
            + (references.isEmpty ? "" : " Reference accuracy: \(Array(Set(references)).sorted().joined(separator: ", ")).")
        return """
            <section id="arms">
            <h2>Arms</h2>
            <div class="table-scroll">
            <table class="arms">
            <tr>\(header.map { "<th>\($0.htmlEscaped)</th>" }.joined())</tr>
            \(rows.joined(separator: "\n"))
            </table>
            </div>
            <p class="caption">n: examples judged; W / T / L: wins, ties and losses against the reference. \(caption.htmlEscaped)</p>
            </section>
            """
    }
}
