/// One series of an `SVGLineChart`: a line through its points, a mark at each, or both.
struct ChartSeries {
    enum Mark {
        case dot
        /// Held-out evaluations, set apart from the training curve of the same colour.
        case diamond
        /// An open circle around a point that is singled out, e.g. the best α.
        case ring
    }

    var name: String
    var colour: String
    var points: [ChartPoint]
    var drawsLine = true
    var mark: Mark?
}

struct ChartPoint {
    var x: Double
    var y: Double
    /// Drawn as a vertical error bar.
    var interval: ConfidenceInterval?
    /// Text written just above the point.
    var label: String?

    init(x: Double, y: Double, interval: ConfidenceInterval? = nil, label: String? = nil) {
        self.x = x
        self.y = y
        self.interval = interval
        self.label = label
    }
}
