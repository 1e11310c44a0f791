import Foundation

/// A chart as inline SVG: a numeric or categorical x axis, a numeric y axis, series drawn as
/// lines and/or marks with optional vertical error bars, and a legend. Every plot of a report is
/// one of these.
struct SVGLineChart {
    /// What the chart shows, for screen readers and as the SVG's tooltip.
    var summary: String
    var x: ChartAxis
    var y: ChartAxis
    var series: [ChartSeries]
    /// A dashed horizontal line, e.g. at a win rate of 0.5, where an arm only ties the reference.
    var referenceY: Double?
    var showsLegend = true
    var plotHeight = 220.0

    static let width = 860.0
    private static let margin = (left: 72.0, right: 24.0, top: 22.0, bottom: 54.0)
    private static let legendRowHeight = 22.0
    /// The advance of one character of the 12 px label font, for laying out text without a
    /// renderer to measure it.
    private static let characterWidth = 7.0

    var plotArea: (left: Double, right: Double, top: Double, bottom: Double) {
        (Self.margin.left, Self.width - Self.margin.right, Self.margin.top, Self.margin.top + plotHeight)
    }

    var xScale: LinearScale {
        let area = plotArea
        if let categories = x.categories { return LinearScale(categories: categories.count, start: area.left, end: area.right) }
        return LinearScale(covering: series.flatMap { $0.points.map(\.x) }, minimumDomain: x.minimumDomain,
                           start: area.left, end: area.right)
    }

    var yScale: LinearScale {
        let values = series.flatMap { $0.points.flatMap { [$0.y] + ($0.interval.map { [$0.lower, $0.upper] } ?? []) } }
        return LinearScale(covering: values + (referenceY.map { [$0] } ?? []), minimumDomain: y.minimumDomain,
                           start: plotArea.bottom, end: plotArea.top)
    }

    var svg: String {
        let (xScale, yScale) = (self.xScale, self.yScale)
        let legend = showsLegend ? legendPlacement() : []
        let height = plotArea.bottom + Self.margin.bottom + Double(legend.map(\.row).max().map { $0 + 1 } ?? 0) * Self.legendRowHeight
        var parts = ["""
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Self.width.pixels) \(height.pixels)" \
            width="\(Self.width.pixels)" height="\(height.pixels)" role="img" aria-label="\(summary.htmlEscaped)">
            <title>\(summary.htmlEscaped)</title>
            """]
        parts.append(axes(xScale, yScale))
        if let referenceY {
            let y = yScale(referenceY).pixels
            parts.append(#"<line class="reference" x1="\#(plotArea.left.pixels)" y1="\#(y)" x2="\#(plotArea.right.pixels)" y2="\#(y)"/>"#)
        }
        parts += series.map { draw($0, xScale, yScale) }
        if !legend.isEmpty { parts.append(legendGroup(legend, top: plotArea.bottom + Self.margin.bottom)) }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private func axes(_ xScale: LinearScale, _ yScale: LinearScale) -> String {
        let area = plotArea
        var parts = [#"<g class="axes">"#]
        for tick in yScale.ticks {
            let y = yScale(tick).pixels
            parts.append(#"<line class="grid" x1="\#(area.left.pixels)" y1="\#(y)" x2="\#(area.right.pixels)" y2="\#(y)"/>"#)
            parts.append(#"<text class="tick-label" x="\#((area.left - 8).pixels)" y="\#(y)" dy="0.35em" text-anchor="end">\#(yScale.label(tick))</text>"#)
        }
        let slotCharacters = Int((area.right - area.left) / Double(max(xScale.ticks.count, 1)) / Self.characterWidth) - 1
        for (index, tick) in xScale.ticks.enumerated() {
            let position = xScale(tick).pixels
            parts.append(#"<line class="tick" x1="\#(position)" y1="\#(area.bottom.pixels)" x2="\#(position)" y2="\#((area.bottom + 5).pixels)"/>"#)
            let label: String
            if let name = x.categories?[index] {
                let shown = name.count > slotCharacters ? String(name.prefix(max(slotCharacters - 1, 1))) + "…" : name
                label = "<title>\(name.htmlEscaped)</title>\(shown.htmlEscaped)"
            } else {
                label = xScale.label(tick)
            }
            parts.append(#"<text class="tick-label" x="\#(position)" y="\#((area.bottom + 20).pixels)" text-anchor="middle">\#(label)</text>"#)
        }
        parts.append(#"<line class="axis" x1="\#(area.left.pixels)" y1="\#(area.bottom.pixels)" x2="\#(area.right.pixels)" y2="\#(area.bottom.pixels)"/>"#)
        parts.append(#"<line class="axis" x1="\#(area.left.pixels)" y1="\#(area.top.pixels)" x2="\#(area.left.pixels)" y2="\#(area.bottom.pixels)"/>"#)
        parts.append(#"<text class="axis-title" x="\#(((area.left + area.right) / 2).pixels)" y="\#((area.bottom + 42).pixels)" text-anchor="middle">\#(x.title.htmlEscaped)</text>"#)
        parts.append(#"<text class="axis-title" transform="translate(18 \#(((area.top + area.bottom) / 2).pixels)) rotate(-90)" text-anchor="middle">\#(y.title.htmlEscaped)</text>"#)
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    private func draw(_ series: ChartSeries, _ xScale: LinearScale, _ yScale: LinearScale) -> String {
        let colour = series.colour.htmlEscaped
        var parts = [#"<g class="series" data-name="\#(series.name.htmlEscaped)">"#]
        if series.drawsLine {
            let points = series.points.map { "\(xScale($0.x).pixels),\(yScale($0.y).pixels)" }.joined(separator: " ")
            parts.append(#"<polyline class="line" points="\#(points)" stroke="\#(colour)"/>"#)
        }
        for point in series.points {
            let x = xScale(point.x), y = yScale(point.y)
            var top = y
            if let interval = point.interval {
                let (low, high) = (yScale(interval.lower), yScale(interval.upper))
                top = high
                parts.append(#"<line class="error-bar" x1="\#(x.pixels)" y1="\#(low.pixels)" x2="\#(x.pixels)" y2="\#(high.pixels)" stroke="\#(colour)"/>"#)
                for end in [low, high] {
                    parts.append(#"<line class="error-cap" x1="\#((x - 5).pixels)" y1="\#(end.pixels)" x2="\#((x + 5).pixels)" y2="\#(end.pixels)" stroke="\#(colour)"/>"#)
                }
            }
            if let mark = series.mark { parts.append(Self.mark(mark, x: x, y: y, colour: colour)) }
            if let label = point.label {
                parts.append(#"<text class="point-label" x="\#(x.pixels)" y="\#((top - 9).pixels)" text-anchor="middle">\#(label.htmlEscaped)</text>"#)
            }
        }
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }

    private static func mark(_ mark: ChartSeries.Mark, x: Double, y: Double, colour: String) -> String {
        switch mark {
        case .dot:
            return #"<circle class="mark" cx="\#(x.pixels)" cy="\#(y.pixels)" r="4" fill="\#(colour)"/>"#
        case .diamond:
            let path = "M\(x.pixels),\((y - 6).pixels) L\((x + 6).pixels),\(y.pixels) L\(x.pixels),\((y + 6).pixels) L\((x - 6).pixels),\(y.pixels) Z"
            return #"<path class="mark" d="\#(path)" fill="\#(colour)"/>"#
        case .ring:
            return #"<circle class="mark ring" cx="\#(x.pixels)" cy="\#(y.pixels)" r="9" fill="none" stroke="\#(colour)"/>"#
        }
    }

    /// Legend entries flow left to right below the x axis title, wrapping onto new rows.
    private func legendPlacement() -> [(series: ChartSeries, x: Double, row: Int)] {
        var placed: [(series: ChartSeries, x: Double, row: Int)] = []
        var (x, row) = (plotArea.left, 0)
        for series in self.series {
            let width = 30 + Double(series.name.count) * Self.characterWidth + 18
            if x + width > plotArea.right && x > plotArea.left { (x, row) = (plotArea.left, row + 1) }
            placed.append((series, x, row))
            x += width
        }
        return placed
    }

    private func legendGroup(_ entries: [(series: ChartSeries, x: Double, row: Int)], top: Double) -> String {
        var parts = [#"<g class="legend">"#]
        for (series, x, row) in entries {
            let y = top + (Double(row) + 0.5) * Self.legendRowHeight
            let colour = series.colour.htmlEscaped
            if series.drawsLine {
                parts.append(#"<line class="legend-line" x1="\#(x.pixels)" y1="\#(y.pixels)" x2="\#((x + 24).pixels)" y2="\#(y.pixels)" stroke="\#(colour)"/>"#)
            }
            if let mark = series.mark { parts.append(Self.mark(mark, x: x + 12, y: y, colour: colour)) }
            parts.append(#"<text class="legend-label" x="\#((x + 30).pixels)" y="\#(y.pixels)" dy="0.35em">\#(series.name.htmlEscaped)</text>"#)
        }
        parts.append("</g>")
        return parts.joined(separator: "\n")
    }
}

private extension Double {
    /// SVG coordinates to a tenth of a pixel: finer is invisible and only makes the file longer.
    var pixels: String { String(format: "%.1f", self) }
}
