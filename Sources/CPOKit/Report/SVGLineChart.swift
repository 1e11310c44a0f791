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
    private static let margin = (left: 72.0, right: 24.0, top: 22.0)
    /// Space below the x tick labels for the axis title.
    private static let axisTitleDepth = 34.0
    private static let legendRowHeight = 22.0
    /// The advance of one character of the 12 px label font, for laying out text without a
    /// renderer to measure it.
    private static let characterWidth = 7.0
    /// Category names too long for their slot are written slanted by this angle, cut to this length.
    private static let slant = (degrees: 35.0, characters: 32)

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
        let legendTop = plotArea.bottom + tickLabelDepth + Self.axisTitleDepth
        let height = legendTop + Double(legend.map(\.row).max().map { $0 + 1 } ?? 0) * Self.legendRowHeight
        var parts = [SVGMarkup.element("title", [:], content: summary.htmlEscaped), axes(xScale, yScale)]
        if let referenceY {
            parts.append(SVGMarkup.line("reference", from: (plotArea.left, yScale(referenceY)), to: (plotArea.right, yScale(referenceY))))
        }
        parts += series.map { draw($0, xScale, yScale) }
        if !legend.isEmpty { parts.append(legendGroup(legend, top: legendTop)) }
        let viewBox = "0 0 \(Self.width.attributeText) \(height.attributeText)"
        return SVGMarkup.element(
            "svg", ["xmlns": "http://www.w3.org/2000/svg", "class": "chart", "viewBox": viewBox, "width": Self.width, "height": height,
                    "role": "img", "aria-label": summary],
            content: "\n" + parts.joined(separator: "\n") + "\n")
    }

    private func axes(_ xScale: LinearScale, _ yScale: LinearScale) -> String {
        let area = plotArea
        var parts: [String] = []
        for tick in yScale.ticks {
            let y = yScale(tick)
            parts.append(SVGMarkup.line("grid", from: (area.left, y), to: (area.right, y)))
            parts.append(SVGMarkup.element("text", ["class": "tick-label", "x": area.left - 8, "y": y, "dy": "0.35em",
                                                    "text-anchor": "end"], content: yScale.label(tick)))
        }
        for (index, tick) in xScale.ticks.enumerated() {
            let x = xScale(tick)
            parts.append(SVGMarkup.line("tick", from: (x, area.bottom), to: (x, area.bottom + 5)))
            guard let name = self.x.categories?[index] else {
                parts.append(Self.tickLabel(xScale.label(tick), x: x, below: area.bottom))
                continue
            }
            // A slanted name reaches left of its tick; it must end before the chart's left edge.
            let room = min(Self.slant.characters, Int(x / (Self.characterWidth * cos(Self.slant.degrees * .pi / 180))))
            let label = SVGMarkup.element("title", [:], content: name.htmlEscaped) + Self.cut(name, to: room).htmlEscaped
            guard slantsCategories else {
                parts.append(Self.tickLabel(label, x: x, below: area.bottom))
                continue
            }
            let transform = "translate(\(x.attributeText) \((area.bottom + 14).attributeText)) rotate(-\(Self.slant.degrees))"
            parts.append(SVGMarkup.element("text", ["class": "tick-label", "transform": transform, "text-anchor": "end"], content: label))
        }
        parts.append(SVGMarkup.line("axis", from: (area.left, area.bottom), to: (area.right, area.bottom)))
        parts.append(SVGMarkup.line("axis", from: (area.left, area.top), to: (area.left, area.bottom)))
        parts.append(SVGMarkup.element(
            "text", ["class": "axis-title", "x": (area.left + area.right) / 2, "y": area.bottom + tickLabelDepth + 22,
                     "text-anchor": "middle"],
            content: self.x.title.htmlEscaped))
        parts.append(SVGMarkup.element(
            "text", ["class": "axis-title", "transform": "translate(18 \(((area.top + area.bottom) / 2).attributeText)) rotate(-90)",
                     "text-anchor": "middle"],
            content: y.title.htmlEscaped))
        return SVGMarkup.group("axes", parts)
    }

    private static func tickLabel(_ content: String, x: Double, below axis: Double) -> String {
        SVGMarkup.element("text", ["class": "tick-label", "x": x, "y": axis + 20, "text-anchor": "middle"], content: content)
    }

    /// Whether some category name is wider than its slot, so that level names would overlap.
    private var slantsCategories: Bool {
        guard let categories = x.categories else { return false }
        let slot = (plotArea.right - plotArea.left) / Double(max(categories.count, 1))
        return categories.contains { Double($0.count) * Self.characterWidth > slot - Self.characterWidth }
    }

    /// Height of the x tick labels below the plot.
    private var tickLabelDepth: Double {
        guard slantsCategories, let longest = x.categories?.map(\.count).max() else { return 20 }
        return 20 + Double(min(longest, Self.slant.characters)) * Self.characterWidth * sin(Self.slant.degrees * .pi / 180)
    }

    private static func cut(_ text: String, to characters: Int) -> String {
        text.count > characters ? String(text.prefix(characters - 1)) + "…" : text
    }

    private func draw(_ series: ChartSeries, _ xScale: LinearScale, _ yScale: LinearScale) -> String {
        var parts: [String] = []
        if series.drawsLine {
            let points = series.points.map { "\(xScale($0.x).attributeText),\(yScale($0.y).attributeText)" }.joined(separator: " ")
            parts.append(SVGMarkup.element("polyline", ["class": "line", "points": points, "stroke": series.colour]))
        }
        for point in series.points {
            let x = xScale(point.x), y = yScale(point.y)
            var top = y
            if let interval = point.interval {
                let (low, high) = (yScale(interval.lower), yScale(interval.upper))
                top = high
                parts.append(SVGMarkup.line("error-bar", from: (x, low), to: (x, high), stroke: series.colour))
                for end in [low, high] {
                    parts.append(SVGMarkup.line("error-cap", from: (x - 5, end), to: (x + 5, end), stroke: series.colour))
                }
            }
            if let mark = series.mark { parts.append(Self.mark(mark, x: x, y: y, colour: series.colour)) }
            if let label = point.label {
                let (labelX, anchor) = labelPlacement(label, at: x)
                parts.append(SVGMarkup.element("text", ["class": "point-label", "x": labelX, "y": top - 9, "text-anchor": anchor],
                                               content: label.htmlEscaped))
            }
        }
        return SVGMarkup.group("series", name: series.name, parts)
    }

    /// Centred over its point, unless that would run past the plot's edge: at the right end (α = 1)
    /// it would be cut off, at the left (α = 0) it would cover the y axis's tick labels. Those end
    /// or start at the point instead.
    func labelPlacement(_ label: String, at x: Double) -> (x: Double, anchor: String) {
        let half = Double(label.count) * Self.characterWidth / 2
        if x + half > plotArea.right { return (x + 4, "end") }
        if x - half < plotArea.left { return (x - 4, "start") }
        return (x, "middle")
    }

    private static func mark(_ mark: ChartSeries.Mark, x: Double, y: Double, colour: String) -> String {
        switch mark {
        case .dot:
            return SVGMarkup.element("circle", ["class": "mark", "cx": x, "cy": y, "r": 4.0, "fill": colour])
        case .diamond:
            let corners = [(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)].map { "\($0.attributeText),\($1.attributeText)" }
            return SVGMarkup.element("path", ["class": "mark", "d": "M" + corners.joined(separator: " L") + " Z", "fill": colour])
        case .ring:
            return SVGMarkup.element("circle", ["class": "mark ring", "cx": x, "cy": y, "r": 9.0, "fill": "none", "stroke": colour])
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
        var parts: [String] = []
        for (series, x, row) in entries {
            let y = top + (Double(row) + 0.5) * Self.legendRowHeight
            if series.drawsLine { parts.append(SVGMarkup.line("legend-line", from: (x, y), to: (x + 24, y), stroke: series.colour)) }
            if let mark = series.mark { parts.append(Self.mark(mark, x: x + 12, y: y, colour: series.colour)) }
            parts.append(SVGMarkup.element("text", ["class": "legend-label", "x": x + 30, "y": y, "dy": "0.35em"],
                                           content: series.name.htmlEscaped))
        }
        return SVGMarkup.group("legend", parts)
    }
}
