import Foundation

/// A report on a set of runs as one self-contained HTML page: inline CSS and SVG, no script, no
/// external resource, so it can be mailed or archived as one file. A section whose data no run has
/// is replaced by a one-line note.
public struct ReportPage {
    public var title: String
    public var runs: [RunRecord]

    public init(title: String, runs: [RunRecord]) {
        self.title = title
        self.runs = runs
    }

    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title.htmlEscaped)</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        <main>
        <h1>\(title.htmlEscaped)</h1>
        \(runList)
        \(trainingSection)
        \(winRateSection)
        \(alphaSection)
        \(ArmsTable(arms: arms).section)
        </main>
        </body>
        </html>

        """
    }

    /// Runs in command-line order with their colours, which every chart keeps.
    private var coloured: [(run: RunRecord, colour: String)] {
        runs.enumerated().map { ($1, ChartPalette.colour(at: $0)) }
    }

    /// The table of arms in Markdown (win rate, counts, accuracy, NLL, length, diversity).
    public var markdownTable: String { ArmsTable(arms: arms).markdown }

    private var arms: [(run: RunRecord, colour: String, summary: EvaluationSummary)] {
        coloured.compactMap { entry in entry.run.summary.map { (entry.run, entry.colour, $0) } }
    }

    private var runList: String {
        let rows = coloured.map { run, colour in
            var contents: [String] = []
            if let metrics = run.metrics { contents.append("\(metrics.loss.count) logged steps") }
            if run.summary != nil { contents.append("evaluation summary") }
            if let sweep = run.sweep { contents.append("α sweep (\(sweep.alphas.count) values)") }
            return "<tr><td>\(Self.swatch(colour))\(run.name.htmlEscaped)</td><td><code>\(run.path.htmlEscaped)</code></td>"
                + "<td>\(contents.joined(separator: ", "))</td></tr>"
        }
        return """
            <table class="runs">
            <tr><th>run</th><th>path</th><th>found</th></tr>
            \(rows.joined(separator: "\n"))
            </table>
            """
    }

    private var trainingSection: String {
        let loss = curveFigure(
            heading: "Loss", training: \.loss, heldOut: \.evalLoss, axis: ChartAxis(title: "loss"),
            trainingCaption: "Lines: the training batch's loss at each step.",
            heldOutCaption: "Diamonds: mean token NLL on the held-out split at each evaluation.",
            missing: "No run has a metrics.jsonl with a training loss.")
        let accuracy = curveFigure(
            heading: "Accuracy", training: \.rewardAccuracy, heldOut: \.evalAccuracy,
            axis: ChartAxis(title: "accuracy", minimumDomain: 0...1),
            trainingCaption: "Lines: reward accuracy, the share of a training batch's examples whose ground truth "
                + "has a higher reward than every negative.",
            heldOutCaption: "Diamonds: share of held-out prompts whose greedy continuation the task's verifier accepts.",
            missing: "No run logs reward_accuracy (CPO and DPO runs do) or a held-out accuracy (built-in tasks only).")
        return "<section id=\"training\">\n<h2>Training curves</h2>\n\(loss)\n\(accuracy)\n</section>"
    }

    /// One quantity against step: a line per run from its training steps and
    /// diamonds at its held-out evaluations, in the run's colour.
    private func curveFigure(heading: String, training: KeyPath<RunMetrics, [RunMetrics.Point]>,
                             heldOut: KeyPath<RunMetrics, [RunMetrics.Point]>, axis: ChartAxis,
                             trainingCaption: String, heldOutCaption: String, missing: String) -> String {
        let withMetrics = coloured.compactMap { entry in
            entry.run.metrics.map { (name: entry.run.name, colour: entry.colour, metrics: $0, offset: firstStepOffset(of: entry.run)) }
        }
        func series(_ points: KeyPath<RunMetrics, [RunMetrics.Point]>, suffix: String, mark: ChartSeries.Mark?) -> [ChartSeries] {
            withMetrics.filter { !$0.metrics[keyPath: points].isEmpty }.map { run in
                ChartSeries(name: run.name + suffix, colour: run.colour,
                            points: run.metrics[keyPath: points].map { ChartPoint(x: Double($0.step + run.offset), y: $0.value) },
                            drawsLine: mark == nil, mark: mark)
            }
        }
        let lines = series(training, suffix: "", mark: nil)
        let diamonds = series(heldOut, suffix: " (held-out)", mark: .diamond)
        let caption = [lines.isEmpty ? nil : trainingCaption, diamonds.isEmpty ? nil : heldOutCaption]
        return Self.figure(
            heading: heading, note: missing,
            chart: lines.isEmpty && diamonds.isEmpty ? nil
                : SVGLineChart(summary: "\(heading) against step", x: ChartAxis(title: "step"), y: axis, series: lines + diamonds),
            caption: caption.compactMap { $0 }.joined(separator: " "))
    }

    /// Steps drawn before a run's first: those of the run whose `final/` it started from, when that
    /// run is in the report (and so on, for a chain of continuations), so continued arms are drawn
    /// after their base rather than from step 0.
    private func firstStepOffset(of run: RunRecord, seen: Set<String> = []) -> Int {
        guard let start = run.startingModel,
              let parent = runs.first(where: { URL(fileURLWithPath: $0.path).standardizedFileURL.appendingPathComponent(CheckpointFolder.finalName).path == start }),
              !seen.contains(parent.path), let lastStep = parent.metrics?.loss.last?.step else { return 0 }
        return lastStep + firstStepOffset(of: parent, seen: seen.union([run.path]))
    }

    private var winRateSection: String {
        let arms = self.arms
        let chart = arms.isEmpty ? nil : SVGLineChart(
            summary: "Win rate per arm with 95 % confidence intervals",
            x: ChartAxis(title: "arm", categories: arms.map(\.run.name)),
            y: ChartAxis(title: "win rate", minimumDomain: 0...1),
            series: arms.enumerated().map { index, arm in
                ChartSeries(name: arm.run.name, colour: arm.colour,
                            points: arm.summary.winRate.map { [ChartPoint(x: Double(index), y: $0, interval: arm.summary.interval,
                                                                          label: Self.number($0))] } ?? [],
                            drawsLine: false, mark: .dot)
            },
            referenceY: 0.5, showsLegend: false, plotHeight: 180)
        let figure = Self.figure(
            heading: nil, note: Self.noSummaryNote, chart: chart,
            caption: "Bars: 95 % confidence interval. Dashed line: 0.5. "
                + Self.judged(arms.map(\.summary.judge), on: arms.map(\.summary.data)))
        return "<section id=\"win-rate\">\n<h2>Win rate per arm</h2>\n\(figure)\n</section>"
    }

    private var alphaSection: String {
        let sweeps = coloured.compactMap { entry in entry.run.sweep.map { (name: entry.run.name, colour: entry.colour, sweep: $0) } }
        let series = sweeps.flatMap { name, colour, sweep -> [ChartSeries] in
            let points = sweep.alphas.indices.compactMap { i in
                sweep.winRate[i].map { ChartPoint(x: sweep.alphas[i], y: $0, interval: sweep.interval(at: i)) }
            }
            let curve = ChartSeries(name: name, colour: colour, points: points, mark: .dot)
            guard let best = sweep.alphas.firstIndex(of: sweep.bestAlpha), let bestRate = sweep.winRate[best] else { return [curve] }
            let marked = ChartPoint(x: sweep.bestAlpha, y: bestRate, interval: sweep.interval(at: best),
                                    label: "best α = \(Self.number(sweep.bestAlpha, decimals: 2))")
            return [curve, ChartSeries(name: "\(name): best α", colour: colour, points: [marked], drawsLine: false, mark: .ring)]
        }
        let figure = Self.figure(
            heading: nil, note: "No run has a sweep.json.",
            chart: sweeps.isEmpty ? nil : SVGLineChart(summary: "Win rate against α", x: ChartAxis(title: "α"),
                                                        y: ChartAxis(title: "win rate", minimumDomain: 0...1),
                                                        series: series, referenceY: 0.5),
            caption: "Bars: 95 % confidence interval; ring: best α. "
                + Self.judged(sweeps.map(\.sweep.judge), on: sweeps.map(\.sweep.data)))
        return "<section id=\"alpha\">\n<h2>Win rate against α</h2>\n\(figure)\n</section>"
    }

    static let noSummaryNote = "No run has an evaluation summary (summary.json)."

    private static func figure(heading: String?, note: String, chart: SVGLineChart?, caption: String) -> String {
        let title = heading.map { "<h3>\($0.htmlEscaped)</h3>\n" } ?? ""
        guard let chart else { return title + "<p class=\"note\">\(note.htmlEscaped)</p>" }
        return title + "<figure>\n\(chart.svg)\n<figcaption>\(caption.htmlEscaped)</figcaption>\n</figure>"
    }

    /// "Judge: J; data: D." with each distinct value once, in order of appearance.
    static func judged(_ judges: [String], on data: [String]) -> String {
        func distinct(_ values: [String]) -> String {
            values.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
        }
        return "Judge: \(distinct(judges)); data: \(distinct(data))."
    }

    static func number(_ value: Double, decimals: Int = 3) -> String { String(format: "%.\(decimals)f", value) }

    static func swatch(_ colour: String) -> String {
        "<span class=\"swatch\" style=\"background:\(colour.htmlEscaped)\"></span>"
    }

    private static let style = """
        body { margin: 0; background: #fff; color: #222;
               font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 900px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 26px; margin: 0 0 12px; }
        h2 { font-size: 20px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
        h3 { font-size: 16px; margin: 16px 0 2px; }
        figure { margin: 0; }
        figcaption, .caption, .note { color: #555; font-size: 13px; }
        .note { font-style: italic; }
        code { font-size: 12px; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
        table.arms th, table.arms td { padding: 5px 6px; }
        th, td { padding: 5px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; }
        th { background: #f5f5f5; font-weight: 600; }
        td { white-space: nowrap; }
        th:first-child, td:first-child, table.runs td, table.runs th { text-align: left; }
        table.runs td:nth-child(2), table.arms td:first-child { white-space: normal; overflow-wrap: anywhere; }
        .table-scroll { overflow-x: auto; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
        svg.chart { display: block; width: 100%; height: auto; }
        svg.chart text { font-size: 12px; fill: #333; }
        svg.chart .axis-title { font-size: 13px; fill: #222; }
        svg.chart .axis, svg.chart .tick { stroke: #444; }
        svg.chart .grid { stroke: #e8e8e8; }
        svg.chart .reference { stroke: #888; stroke-dasharray: 5 4; }
        svg.chart .line { fill: none; stroke-width: 1.6; stroke-linejoin: round; }
        svg.chart .legend-line { stroke-width: 2; }
        svg.chart .error-bar, svg.chart .error-cap { stroke-width: 1.6; }
        svg.chart .ring { stroke-width: 2.2; }
        svg.chart path.mark { stroke: #fff; stroke-width: 1; }
        svg.chart .point-label { font-size: 11px; fill: #222; }
        """
}
