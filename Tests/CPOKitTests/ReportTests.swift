import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import CPOKit

final class ReportTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    // MARK: fixtures

    /// Writes `text` at `path` below the test folder, making the folders on the way.
    @discardableResult
    private func write(_ text: String, _ path: String) throws -> URL {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// `steps` metrics lines as the trainer writes them; an evaluation every `evalEvery` steps.
    private func metrics(steps: Int, contrastive: Bool, evalEvery: Int = 2) -> String {
        (1...steps).map { step in
            var fields = [#""step": \#(step)"#, #""loss": \#(2.0 / Double(step))"#, #""lr": 0.001"#]
            if contrastive { fields.append(#""reward_accuracy": \#(Double(step) / Double(steps))"#) }
            if step % evalEvery == 0 { fields += [#""eval_loss": \#(1.5 / Double(step))"#, #""eval_accuracy": 0.5"#] }
            return "{" + fields.joined(separator: ", ") + "}"
        }.joined(separator: "\n") + "\n"
    }

    /// A summary.json, pretty-printed one field a line as an evaluation command would write it.
    private func summary(winRate: Double, lower: Double, upper: Double, accuracy: String = "0.5") -> String {
        """
        {
          "model": "m", "data": "sort", "judge": "verifier",
          "examples": 100, "wins": 40, "ties": 30, "losses": 30, "invalid": 0,
          "win_rate": \(winRate),
          "ci95": [\(lower), \(upper)],
          "accuracy": \(accuracy), "reference_accuracy": null,
          "nll": 0.25, "mean_length": 12.5, "distinct_1": 0.4, "distinct_2": 0.6, "repetition_rate": 0.05
        }
        """
    }

    private let sweep = """
        {"alphas": [0, 0.5, 1], "win_rate": [0.5, 0.6, 0.55], "ci95": [[0.4, 0.6], [0.52, 0.68], [0.45, 0.65]],
         "accuracy": [0.5, null, 0.6], "best_alpha": 0.5, "judge": "verifier", "data": "sort"}
        """

    /// Two trained runs with evaluations and an ensemble folder with a sweep.
    private func fullRuns() throws -> [RunRecord] {
        try write(metrics(steps: 6, contrastive: false), "mle/metrics.jsonl")
        try write(summary(winRate: 0.5, lower: 0.4, upper: 0.6), "mle/eval/summary.json")
        try write(metrics(steps: 4, contrastive: true), "cpo/metrics.jsonl")
        try write(summary(winRate: 0.7, lower: 0.61, upper: 0.78, accuracy: "null"), "cpo/eval/summary.json")
        try write(sweep, "ensemble/sweep.json")
        return try ["mle", "cpo", "ensemble"].map { try RunRecord.load(folder.appendingPathComponent($0).path) }
    }

    // MARK: SVG inspection

    private struct Element {
        var name: String
        var attributes: [String: String]
        /// The class of the nearest enclosing `<g>`.
        var group: String?
        var text = ""

        func number(_ attribute: String) -> Double { Double(attributes[attribute] ?? "") ?? .nan }
    }

    /// Parses one SVG as XML, failing the test unless it is well-formed, and lists its elements.
    private final class ElementCollector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let group = open.reversed().lazy.map { self.elements[$0] }.first { $0.name == "g" }?.attributes["class"]
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes, group: group))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }
    }

    private func elements(of svg: String, file: StaticString = #filePath, line: UInt = #line) -> [Element] {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))\n\(svg)", file: file, line: line)
        return collector.elements
    }

    private func svgs(in html: String) -> [String] {
        html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
    }

    // MARK: tests

    func testEveryChartIsWellFormedXMLWithOneLinePerRun() throws {
        let html = ReportPage(title: "t", runs: try fullRuns()).html
        let charts = svgs(in: html)
        XCTAssertEqual(charts.count, 4, "loss, accuracy, win rate per arm, win rate against α")
        let loss = elements(of: charts[0])
        let lines = loss.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.count, 2, "one training line per run with metrics")
        XCTAssertEqual(lines.map { $0.attributes["points"]!.split(separator: " ").count }, [6, 4])
        XCTAssertEqual(loss.filter { $0.name == "path" && $0.attributes["class"] == "mark" && $0.group == "series" }.count, 3 + 2,
                       "a diamond per held-out evaluation")
        let accuracy = elements(of: charts[1]).filter { $0.name == "polyline" }
        XCTAssertEqual(accuracy.count, 1, "only the contrastive run logs reward accuracy")
        XCTAssertEqual(accuracy[0].attributes["points"]!.split(separator: " ").count, 4)
        let alpha = elements(of: charts[3])
        XCTAssertEqual(alpha.filter { $0.name == "polyline" }.first?.attributes["points"]!.split(separator: " ").count, 3)
        XCTAssertTrue(alpha.contains { $0.name == "text" && $0.text == "best α = 0.50" })
        XCTAssertTrue(html.contains("0.700 [0.610, 0.780]"), "the arms table")
    }

    func testErrorBarsSpanTheIntervalThroughTheAxisScale() throws {
        let intervals = [ConfidenceInterval(lower: 0.2, upper: 0.45), ConfidenceInterval(lower: 0.55, upper: 0.9)]
        let chart = SVGLineChart(
            summary: "s", x: ChartAxis(title: "α"), y: ChartAxis(title: "win rate", minimumDomain: 0...1),
            series: [ChartSeries(name: "a", colour: "#000",
                                 points: [ChartPoint(x: 0, y: 0.3, interval: intervals[0]),
                                          ChartPoint(x: 1, y: 0.7, interval: intervals[1])])])
        let bars = elements(of: chart.svg).filter { $0.attributes["class"] == "error-bar" }
        XCTAssertEqual(bars.count, 2)
        let (xScale, yScale) = (chart.xScale, chart.yScale)
        XCTAssertEqual(yScale.domain, 0...1)
        for (bar, (x, interval)) in zip(bars, zip([0.0, 1], intervals)) {
            XCTAssertEqual(bar.number("x1"), xScale(x), accuracy: 0.051)
            XCTAssertEqual(bar.number("y1"), yScale(interval.lower), accuracy: 0.051)
            XCTAssertEqual(bar.number("y2"), yScale(interval.upper), accuracy: 0.051)
        }
        XCTAssertGreaterThan(bars[0].number("y1"), bars[0].number("y2"), "larger values sit higher on the page")
    }

    /// Issue 14: a point label at the plot's ends stays inside it — cut off at α = 1 and over the y
    /// axis's tick labels at α = 0 before.
    func testPointLabelsAtTheEndsStayInsideThePlot() {
        let chart = SVGLineChart(summary: "s", x: ChartAxis(title: "α"), y: ChartAxis(title: "win rate", minimumDomain: 0...1),
                                 series: [ChartSeries(name: "a", colour: "#000", points: [0, 0.5, 1].map { ChartPoint(x: $0, y: 0.4, label: "best α = \($0)") },
                                                      drawsLine: false, mark: .ring)])
        let labels = elements(of: chart.svg).filter { $0.attributes["class"] == "point-label" }
        XCTAssertEqual(labels.map { $0.attributes["text-anchor"] }, ["start", "middle", "end"])
        let area = chart.plotArea, width = 7.0 * Double("best α = 0.0".count)
        XCTAssertGreaterThanOrEqual(labels[0].number("x"), area.left - 4, "starts at the first point, right of the tick labels")
        XCTAssertLessThanOrEqual(labels[2].number("x"), area.right + 4)
        XCTAssertLessThanOrEqual(labels[2].number("x"), SVGLineChart.width - 4, "ends inside the picture")
        XCTAssertGreaterThan(labels[2].number("x") - width, area.left)
    }

    /// Issue 14: an arm that continues the base's final/ is drawn after the base's steps, not from step 0.
    func testARunThatContinuesAnotherIsDrawnAfterIt() throws {
        let base = RunRecord(name: "base", path: folder.appendingPathComponent("base").path,
                             metrics: try RunMetrics.parse(Data(metrics(steps: 6, contrastive: false).utf8), file: "base"))
        let arm = RunRecord(name: "arm", path: folder.appendingPathComponent("arm").path,
                            metrics: try RunMetrics.parse(Data(metrics(steps: 4, contrastive: false).utf8), file: "arm"),
                            startingModel: folder.appendingPathComponent("base/final").standardizedFileURL.path)
        let loss = elements(of: svgs(in: ReportPage(title: "t", runs: [base, arm]).html)[0]).filter { $0.name == "polyline" }
        let firstX = loss.map { Double($0.attributes["points"]!.split(separator: " ")[0].split(separator: ",")[0])! }
        let lastBaseX = Double(loss[0].attributes["points"]!.split(separator: " ").last!.split(separator: ",")[0])!
        XCTAssertGreaterThan(firstX[1], lastBaseX, "the arm's step 1 is drawn after the base's step 6")
    }

    func testLongCategoryNamesAreSlantedAndNamedInFull() {
        let names = (0..<6).map { "arm-\($0)-with-a-long-descriptive-name-\($0)" }
        let chart = SVGLineChart(summary: "s", x: ChartAxis(title: "arm", categories: names), y: ChartAxis(title: "win rate"),
                                 series: [ChartSeries(name: "a", colour: "#000", points: [ChartPoint(x: 0, y: 0.5)])])
        let elements = elements(of: chart.svg)
        let labels = elements.filter { $0.attributes["class"] == "tick-label" && $0.attributes["transform"] != nil }
        XCTAssertEqual(labels.count, names.count)
        XCTAssertTrue(labels.allSatisfy { $0.attributes["transform"]!.contains("rotate(-35") })
        XCTAssertEqual(elements.filter { $0.name == "title" }.map(\.text).suffix(names.count), names[...])
    }

    func testAxesEndOnRoundTicks() {
        let steps = LinearScale(covering: [1, 600], minimumDomain: nil, start: 0, end: 100)
        XCTAssertEqual(steps.domain, 0...600)
        XCTAssertEqual(steps.ticks, [0, 100, 200, 300, 400, 500, 600])
        let loss = LinearScale(covering: [0.07, 5.6], minimumDomain: nil, start: 100, end: 0)
        XCTAssertEqual(loss.domain, 0...6)
        XCTAssertEqual(loss.label(loss.ticks[1]), "1")
        XCTAssertEqual(loss(3), 50)
        let rate = LinearScale(covering: [0.55], minimumDomain: 0...1, start: 0, end: 1)
        XCTAssertEqual(rate.ticks.map(rate.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    func testNamesAreEscapedInTextAndCharts() throws {
        try write(metrics(steps: 3, contrastive: true), "<a&b>/metrics.jsonl")
        try write(summary(winRate: 0.6, lower: 0.5, upper: 0.7), "<a&b>/eval/summary.json")
        let run = try RunRecord.load(folder.appendingPathComponent("<a&b>").path)
        XCTAssertEqual(run.name, "<a&b>")
        let html = ReportPage(title: "\"quoted\" & <b>", runs: [run]).html
        XCTAssertFalse(html.contains("<a&b>") || html.contains("<b>"), "raw markup from a name or title")
        XCTAssertTrue(html.contains("&lt;a&amp;b&gt;") && html.contains("&quot;quoted&quot; &amp; &lt;b&gt;"))
        for svg in svgs(in: html) { _ = elements(of: svg) }
        let legend = elements(of: svgs(in: html)[0]).filter { $0.attributes["class"] == "legend-label" }
        XCTAssertEqual(legend.first?.text, "<a&b>")
        XCTAssertEqual("tab\tok\u{1}".htmlEscaped, "tab\tok\u{FFFD}", "XML forbids most control characters")
    }

    func testMarkdownTableHasOneRowPerEvaluatedArm() throws {
        let lines = ReportPage(title: "t", runs: try fullRuns()).markdownTable.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(lines[0].hasPrefix("| arm | n | win rate [95 % CI] |"), String(lines[0]))
        XCTAssertEqual(lines[0].filter { $0 == "|" }.count, lines[1].filter { $0 == "|" }.count)
        XCTAssertTrue(lines[2].hasPrefix("| mle | 100 | 0.500 [0.400, 0.600] | 40 / 30 / 30 / 0 | 0.500 |"), String(lines[2]))
        XCTAssertTrue(lines[3].hasPrefix("| cpo | 100 | 0.700 [0.610, 0.780] | 40 / 30 / 30 / 0 | – |"), String(lines[3]))
        XCTAssertEqual(lines[4], "", "the evaluated arms only: the ensemble folder's sweep has no summary of its own")
    }

    func testSectionsWithoutDataBecomeNotes() throws {
        try write(metrics(steps: 3, contrastive: false, evalEvery: 10), "mle/metrics.jsonl")
        let html = ReportPage(title: "t", runs: [try RunRecord.load(folder.appendingPathComponent("mle").path)]).html
        XCTAssertEqual(svgs(in: html).count, 1, "only the loss chart has data")
        XCTAssertTrue(html.contains("No run logs reward_accuracy"))
        XCTAssertEqual(html.components(separatedBy: ReportPage.noSummaryNote).count - 1, 2, "win rate chart and arms table")
        XCTAssertTrue(html.contains("No run has a sweep.json."))
        XCTAssertFalse(html.contains("<table class=\"arms\""))
    }

    func testMalformedMetricsNameFileAndLine() throws {
        let file = try write("{\"step\": 1, \"loss\": 2}\n\n{\"step\": 2, \"loss\": \"high\"}\n", "run/metrics.jsonl")
        XCTAssertThrowsError(try RunMetrics.read(file)) { error in
            guard case let .malformed(path, line, reason) = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file.path)
            XCTAssertEqual(line, 3)
            XCTAssertTrue(reason.contains("loss"), reason)
        }
        try write("{\"step\": 1, \"loss\": 2}\n{\"step\": 2, \"lo", "run/metrics.jsonl")
        XCTAssertThrowsError(try RunRecord.load(folder.appendingPathComponent("run").path)) { error in
            XCTAssertEqual(error as? ReportError, .malformed(file: file.path, line: 2, reason: "not valid JSON"))
            XCTAssertTrue("\(error)".hasSuffix("metrics.jsonl:2: not valid JSON"))
        }
    }

    func testMalformedSummaryAndSweepNameFileAndLine() throws {
        func line(of text: String, _ path: String) throws -> Int? {
            let url = try write(text, path)
            do {
                _ = try RunRecord.load(url.path)
                XCTFail("\(path) was accepted")
                return nil
            } catch let ReportError.malformed(file, line, _) {
                XCTAssertEqual(file, url.path)
                return line
            }
        }
        let valid = summary(winRate: 0.5, lower: 0.4, upper: 0.6)
        XCTAssertEqual(try line(of: valid.replacingOccurrences(of: "\"win_rate\": 0.5", with: "\"win_rate\": \"high\""), "a.json"), 4)
        XCTAssertEqual(try line(of: valid.replacingOccurrences(of: "[0.4, 0.6]", with: "[0.6, 0.4]"), "b.json"), 5, "lower above upper")
        XCTAssertEqual(try line(of: valid.replacingOccurrences(of: "\"nll\": 0.25,", with: "\"nll\": 0.25"), "c.json"), 7,
                       "a missing comma")
        XCTAssertEqual(try line(of: valid.replacingOccurrences(of: "\"nll\": 0.25, ", with: ""), "d.json"), nil, "a missing field")
        try write(sweep.replacingOccurrences(of: "[0.5, 0.6, 0.55]", with: "[0.5, 0.6]"), "sweep/sweep.json")
        XCTAssertThrowsError(try RunRecord.load(folder.appendingPathComponent("sweep").path)) { error in
            guard case let .malformed(_, line, reason) = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 1)
            XCTAssertTrue(reason.hasPrefix("win_rate: 2 entries for 3 alphas"), reason)
        }
    }

    func testSummaryLookupRule() throws {
        let text = summary(winRate: 0.5, lower: 0.4, upper: 0.6)
        try write(text, "direct/summary.json")
        try write(text.replacingOccurrences(of: "\"m\"", with: "\"ignored\""), "direct/eval/summary.json")
        XCTAssertEqual(try RunRecord.load(folder.appendingPathComponent("direct").path).summary?.model, "m")
        try write(text, "nested/judged-by-x/summary.json")
        XCTAssertNotNil(try RunRecord.load(folder.appendingPathComponent("nested").path).summary)
        try write(text, "nested/judged-by-y/summary.json")
        XCTAssertThrowsError(try RunRecord.load(folder.appendingPathComponent("nested").path)) { error in
            guard case let .ambiguousSummary(_, candidates) = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(candidates.count, 2)
        }
        try write(sweep, "nested/sweep.json")
        let sweepRun = try RunRecord.load(folder.appendingPathComponent("nested").path)
        XCTAssertNil(sweepRun.summary, "per-α summaries beside a sweep are not an arm")
        XCTAssertEqual(sweepRun.sweep?.bestAlpha, 0.5)
        // Issue 14: a sweep folder as `cpo sweep-alpha` leaves it is the ensemble at its best α in the arms table.
        try write(sweep, "swept/sweep.json")
        try write(text, "swept/\(AlphaSweep.folderName(alpha: 0.5))/summary.json")
        try write(text, "swept/\(AlphaSweep.folderName(alpha: 0))/summary.json")
        let swept = try RunRecord.load(folder.appendingPathComponent("swept").path)
        XCTAssertNotNil(swept.summary)
        XCTAssertEqual(swept.name, "swept (best α = 0.5, on the sweep's data)")
        let file = try RunRecord.load(folder.appendingPathComponent("nested/judged-by-x/summary.json").path, label: nil)
        XCTAssertEqual(file.name, "judged-by-x")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunRecord.load(folder.appendingPathComponent("empty").path)) { error in
            XCTAssertEqual(error as? ReportError, .nothingToReport(path: folder.appendingPathComponent("empty").path))
        }
    }

    func testCommandWritesThePageAndNamesABadFile() throws {
        _ = try fullRuns()
        let out = folder.appendingPathComponent("report.html").path
        let (mle, cpo) = (folder.appendingPathComponent("mle").path, folder.appendingPathComponent("cpo").path)
        var result = try CPOCommand.run(["report", "--run", mle, cpo,
                                         "--label", "baseline", "--label", "contrastive", "--title", "Runs & results", "--out", out])
        XCTAssertEqual(result.status, 0, result.output)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(html.contains("<h1>Runs &amp; results</h1>") && html.contains("baseline") && html.contains("contrastive"))
        let external = ["<script", "http", "src=", "href=", "url("]
        let outsideNamespace = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        XCTAssertEqual(external.filter { outsideNamespace.contains($0) }, [], "the page is self-contained")

        result = try CPOCommand.run(["report", "--run", mle, "--label", "a", "--label", "b", "--out", out])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("--label"), result.output)

        try write("{\"step\": 1, \"loss\": 1}\nnot json\n", "mle/metrics.jsonl")
        result = try CPOCommand.run(["report", "--run", mle, "--out", out])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("mle/metrics.jsonl:2"), result.output)
    }
}
